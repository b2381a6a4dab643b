/**
 * Ingest benchmark (a script, not a test): `npm run bench:ingest -w @ketenhub/gateway`.
 *
 * In one run on this machine:
 * 1. Kafka's own ProducerPerformance, 1 KiB records, acks=all: the baseline;
 * 2. batch ingest of 1 KiB, fully validated events through a gateway running as a child process
 *    (`node <serviceNodeFlags('gateway')> --import tsx src/index.ts`, the real composition root and
 *    the flags `npm start` uses); the load comes from this process;
 * 3. single-event POSTs with autocannon from this process (bounded duration, 127.0.0.1 only), after a
 *    2 s warm-up of that path.
 * Request bodies are built before each clock starts. Prints events/s, the ratio to the baseline,
 * requests/s, latency percentiles, the gateway's CPU per event (from /proc, all its threads) and how
 * busy the whole machine was, then a table of target, measured and verdict. Last, the honesty check:
 * the records in the domain topics must number at least the 202s and at most the events sent (every
 * event has its own id, so fewer means a 202 without a durable record and more a duplicate); the
 * script exits 1 when they do not.
 *
 * Settings (environment): BENCH_BASELINE_RECORDS (300000; 0 skips the baseline), BENCH_BATCH_EVENTS
 * (150000), BENCH_BATCH_SIZE (500), BENCH_BATCH_CONCURRENCY (6), BENCH_SINGLE_DURATION_S (15),
 * BENCH_SINGLE_CONNECTIONS (24), BENCH_NODE_ARGS (extra node flags for the gateway, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`), KAFKA_BROKERS (127.0.0.1:9092), and any GATEWAY_* variable,
 * passed on to the gateway (e.g. GATEWAY_KAFKA_PRODUCER=kafkajs to compare producers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dropDatabase } from '@ketenhub/db';
import { caseDomains } from '@ketenhub/events';
import { exampleData, exampleOrganisations } from '@ketenhub/events/testing';
import {
  createKafkaClient,
  createPublisher,
  deleteTopics,
  ensureTopics,
  parseBrokers,
  systemsTopicName,
  topicOffsets,
} from '@ketenhub/kafka';
import { producerPerformance, reportBench } from '@ketenhub/kafka/testing';
import { serviceNodeFlags } from '@ketenhub/service';
import { settleHeap } from '@ketenhub/testkit/heap';
import autocannon from 'autocannon';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const gatewayDir = here('../');

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const baselineRecords = Number(process.env.BENCH_BASELINE_RECORDS ?? 300_000);
const batchEvents = Number(process.env.BENCH_BATCH_EVENTS ?? 150_000);
const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const batchConcurrency = Number(process.env.BENCH_BATCH_CONCURRENCY ?? 6);
const singleDurationS = Number(process.env.BENCH_SINGLE_DURATION_S ?? 15);
const singleConnections = Number(process.env.BENCH_SINGLE_CONNECTIONS ?? 24);
const partitions = 6;
const runId = randomBytes(3).toString('hex');
const prefix = `bench-${runId}.`;
const databaseUrl = `postgres://postgres@127.0.0.1:5432/kh_bench_${runId}`;
const port = 18_080 + Math.floor(Math.random() * 500);
const baseUrl = `http://127.0.0.1:${port}`;

const gemeente = exampleOrganisations.gemeente;
const source = gemeente.source;
const token = `khs_${randomBytes(32).toString('base64url')}`;

/**
 * A fully valid 1 KiB (serialized) event: real WMO data with its free-text `reden` at the contract's
 * 500-character maximum, trace context, and a `tracestate` sized so the whole event is exactly 1024 bytes.
 */
function event(subject: string): Record<string, unknown> {
  const base: Record<string, unknown> = {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: 'nl.wmo.beschikkingstermijn-verlengd',
    time: new Date().toISOString(),
    subject,
    datacontenttype: 'application/json',
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    tracestate: '',
    data: {
      ...exampleData['nl.wmo.beschikkingstermijn-verlengd'],
      reden: 'Aanvullend advies van de wijkverpleging en de ergotherapeut is nodig. '.repeat(8).slice(0, 500),
    },
  };
  const room = 1024 - Buffer.byteLength(JSON.stringify(base));
  base.tracestate = `ketenhub=${'b'.repeat(Math.max(0, room - 9))}`;
  return base;
}

async function baseline(): Promise<{ eventsPerS: number; line: string }> {
  const client = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'bench' });
  const topic = `${prefix}baseline`;
  await ensureTopics(client, [{ name: topic, partitions }]);
  const { recordsPerSecond, line } = await producerPerformance({
    brokers: parseBrokers(brokers),
    topic,
    records: baselineRecords,
  });
  await deleteTopics(client, [topic]);
  return { eventsPerS: recordsPerSecond, line };
}

async function startGateway(): Promise<ChildProcess> {
  const client = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'bench' });
  // The system, as the registry would publish it on its compacted state topic.
  const systemsTopic = systemsTopicName(prefix);
  await ensureTopics(client, [
    { name: systemsTopic, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  const publisher = await createPublisher(client);
  const id = randomUUID();
  await publisher.publish([
    {
      topic: systemsTopic,
      key: id,
      value: JSON.stringify({
        version: 1,
        id,
        oin: gemeente.oin,
        name: gemeente.systeem,
        source,
        roles: ['gemeente'],
        domains: ['wmo'],
        publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.beschikkingstermijn-verlengd'],
        consumes: [],
        kafkaNative: false,
        tokenSha256: createHash('sha256').update(token).digest('hex'),
        revoked: false,
        updatedAt: new Date().toISOString(),
      }),
    },
  ]);
  await publisher.close();

  // BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile the gateway under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags('gateway'), ...nodeArgs, '--import', 'tsx', 'src/index.ts'],
    {
      cwd: gatewayDir,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_PARTITIONS: String(partitions),
        GATEWAY_PORT: String(port),
        GATEWAY_INGRESS: 'false',
        // The benchmark measures throughput, not the protection against runaway clients.
        GATEWAY_RATE_LIMIT_PER_S: '1000000',
        GATEWAY_RATE_LIMIT_BURST: '1000000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('gateway not ready in 90 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of every process whose command line matches `test` (PostgreSQL backends, the broker). */
function cpuSecondsOf(test: (cmdline: string) => boolean): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) total += cpuSeconds(Number(pid));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return Number.NaN;
  }
  return total;
}
const isPostgres = (cmd: string) => cmd.startsWith('postgres');
const isBroker = (cmd: string) => cmd.includes('java') && cmd.includes('kafka');

/** Busy and total CPU seconds of the whole machine, from /proc/stat. */
function machineSeconds(): { busy: number; total: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** Runs `phase` and reports the gateway's CPU use and the machine's during it. */
async function metered<T>(gateway: ChildProcess, phase: () => Promise<T>) {
  const g0 = cpuSeconds(gateway.pid);
  const m0 = machineSeconds();
  const pg0 = cpuSecondsOf(isPostgres);
  const k0 = cpuSecondsOf(isBroker);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await phase();
  const wall = (performance.now() - t0) / 1000;
  const m1 = machineSeconds();
  const self = process.cpuUsage(self0);
  return {
    result,
    /** CPU seconds of the other parts during the phase: PostgreSQL, the broker, this load generator. */
    others: {
      postgres: cpuSecondsOf(isPostgres) - pg0,
      broker: cpuSecondsOf(isBroker) - k0,
      load: (self.user + self.system) / 1e6,
      loadSystem: self.system / 1e6,
    },
    gatewayCpuS: cpuSeconds(gateway.pid) - g0,
    /** Cores the gateway kept busy on average (1.0 = one core all the time). */
    gatewayCores: (cpuSeconds(gateway.pid) - g0) / wall,
    /** Share of all cores busy (every process: broker, PostgreSQL, load generator, gateway, others). */
    machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total),
  };
}

const headers = (contentType: string) => ({ 'content-type': contentType, authorization: `Bearer ${token}` });

async function openCases(n: number): Promise<string[]> {
  // Chain case ids without a standalone 9-digit run: the contract's no-BSN rule refuses those (~3%).
  const ids: string[] = [];
  while (ids.length < n) {
    const id = randomUUID();
    if (!/(?<!\d)\d{9}(?!\d)/.test(id)) ids.push(id);
  }
  const events = ids.map((subject) => ({
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: 'nl.ketens.ketenzaak-geopend',
    time: new Date().toISOString(),
    subject,
    datacontenttype: 'application/json',
    data: exampleData['nl.ketens.ketenzaak-geopend'],
  }));
  const res = await fetch(`${baseUrl}/events`, {
    method: 'POST',
    headers: headers('application/cloudevents-batch+json'),
    body: JSON.stringify(events),
  });
  if (res.status !== 202) throw new Error(`opening cases: ${res.status} ${(await res.text()).slice(0, 500)}`);
  return ids;
}

/**
 * POST with node:http over kept-alive connections, the body already bytes: the load generator shares
 * the two cores with the gateway, Kafka and PostgreSQL, and fetch (undici) spent about 7 µs of CPU
 * per event of a batch that way, CPU the gateway then did not get.
 */
function post(agent: Agent, body: Buffer, contentType: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/events`,
      {
        method: 'POST',
        agent,
        headers: { ...headers(contentType), 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Request bodies, built (and encoded) before the measured phase: the client's own JSON work is not
 * the gateway's cost, and it must not count in the phase's CPU figures either.
 */
function batchBodies(cases: string[]): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < batchEvents; i += batchSize) {
    bodies.push(
      Buffer.from(
        JSON.stringify(
          Array.from({ length: Math.min(batchSize, batchEvents - i) }, (_, j) =>
            event(cases[(i + j) % cases.length]!),
          ),
        ),
      ),
    );
  }
  settleHeap();
  return bodies;
}

async function batchIngest(bodies: Buffer[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: batchConcurrency });
  let next = 0;
  let accepted = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: batchConcurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const t0 = performance.now();
        const res = await post(agent, body, 'application/cloudevents-batch+json');
        latencies.push(performance.now() - t0);
        if (res.status !== 202) throw new Error(`batch answered ${res.status}: ${res.text.slice(0, 300)}`);
        accepted += (JSON.parse(res.text) as { accepted?: number }).accepted ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    accepted,
    seconds,
    eventsPerS: accepted / seconds,
    p99BatchMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

/**
 * Bodies for the single-event run, built before it as for the batches: the load generator shares the
 * two cores with the gateway, Kafka and PostgreSQL, and its own JSON work is not the gateway's cost.
 */
function singleBodies(cases: string[], durationS = singleDurationS): string[] {
  const bodies = Array.from({ length: durationS * 9_000 }, (_, i) =>
    JSON.stringify(event(cases[i % cases.length]!)),
  );
  settleHeap();
  return bodies;
}

async function singleIngest(cases: string[], bodies: string[], durationS = singleDurationS) {
  // Every body has its own id; past the prepared ones (more than 9,000 req/s) they are built on the fly.
  let n = 0;
  const result = await autocannon({
    url: `${baseUrl}/events`,
    method: 'POST',
    connections: singleConnections,
    duration: durationS,
    headers: headers('application/cloudevents+json'),
    requests: [
      {
        setupRequest: (req) => {
          const i = n++;
          return { ...req, body: bodies[i] ?? JSON.stringify(event(cases[i % cases.length]!)) };
        },
      },
    ],
  });
  const byStatus = Object.entries(result.statusCodeStats ?? {}).map(
    ([code, stat]) => [code, (stat as { count: number }).count] as const,
  );
  return {
    requestsPerS: result.requests.average,
    total: result.requests.total,
    /** Requests sent, answered or not: the ones cut off when the run ended may still be in Kafka. */
    sent: n,
    accepted: byStatus.find(([code]) => code === '202')?.[1] ?? 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    other: byStatus.filter(([code]) => code !== '202'),
  };
}

/** CPU of PostgreSQL, the broker and this load generator per event or request of a phase. */
function elsewhere(
  others: { postgres: number; broker: number; load: number; loadSystem: number },
  unit: 'event' | 'request',
  count: number,
): string {
  const per = (s: number) => `${((s * 1e6) / Math.max(1, count)).toFixed(1)} µs`;
  return `CPU per ${unit} elsewhere: PostgreSQL ${per(others.postgres)}, broker ${per(others.broker)}, load generator ${per(others.load)} (of which kernel ${per(others.loadSystem)})`;
}

const fmt = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : 'n/a');

async function main() {
  const producer = process.env.GATEWAY_KAFKA_PRODUCER ?? '(adapter default)';
  console.log(
    `ketenhub ingest benchmark (run ${runId}); node ${process.version}; brokers ${brokers}; producer ${producer}`,
  );
  let base = { eventsPerS: Number.NaN, line: 'skipped (BENCH_BASELINE_RECORDS=0)' };
  console.log(
    `1/3 Kafka ProducerPerformance: ${baselineRecords} records of 1024 bytes, acks=all, ${partitions} partitions`,
  );
  if (baselineRecords > 0) base = await baseline();
  console.log(`    ${base.line}`);

  let gateway: ChildProcess | undefined;
  try {
    gateway = await startGateway();
    const opened = await openCases(600);
    const cases = opened;
    // Warm-up: JIT, connection pools, producer metadata.
    const warmUp = 200;
    const warm = await fetch(`${baseUrl}/events`, {
      method: 'POST',
      headers: headers('application/cloudevents-batch+json'),
      body: JSON.stringify(Array.from({ length: warmUp }, (_, i) => event(cases[i % cases.length]!))),
    });
    if (warm.status !== 202) throw new Error(`warm-up answered ${warm.status}`);

    console.log(
      `2/3 batch ingest: ${batchEvents} events of 1024 bytes, ${batchSize} per request, ${batchConcurrency} in flight`,
    );
    const bodies = batchBodies(cases);
    const batchRun = await metered(gateway, () => batchIngest(bodies));
    const batch = batchRun.result;
    console.log(
      `    ${batch.accepted} accepted in ${batch.seconds.toFixed(1)} s: ${fmt(batch.eventsPerS)} events/s, p99 per batch ${batch.p99BatchMs.toFixed(0)} ms`,
    );
    console.log(
      `    gateway CPU ${((batchRun.gatewayCpuS * 1e6) / batch.accepted).toFixed(0)} µs/event (${batchRun.gatewayCores.toFixed(2)} cores busy); machine ${(batchRun.machineBusy * 100).toFixed(0)}% busy`,
    );
    console.log(`    ${elsewhere(batchRun.others, 'event', batch.accepted)}`);

    console.log(
      `3/3 single-event POSTs: ${singleConnections} connections for ${singleDurationS} s after 2 s of warm-up (autocannon, in the benchmark process)`,
    );
    // Warm-up of the single-event path (JIT of the HTTP fast path, small flushes), not measured.
    const singleWarm = await singleIngest(cases, singleBodies(cases, 2), 2);
    const singles = singleBodies(cases);
    const singleRun = await metered(gateway, () => singleIngest(cases, singles));
    const single = singleRun.result;
    console.log(
      `    ${fmt(single.requestsPerS)} requests/s (${single.total} total, ${single.accepted} answered 202), p50 ${single.p50} ms, p99 ${single.p99} ms, errors ${single.errors}${single.other.length > 0 ? `, other statuses ${JSON.stringify(Object.fromEntries(single.other))}` : ''}`,
    );
    console.log(
      `    gateway CPU ${((singleRun.gatewayCpuS * 1e6) / Math.max(1, single.total)).toFixed(0)} µs/request (${singleRun.gatewayCores.toFixed(2)} cores busy); machine ${(singleRun.machineBusy * 100).toFixed(0)}% busy`,
    );
    console.log(`    ${elsewhere(singleRun.others, 'request', single.total)}`);

    // Honesty check: every 202 must be a record in Kafka, and nothing twice. Each event has its own
    // id, so the records must number at least the 202s (fewer: a 202 without a durable record) and at
    // most the events sent (more: a duplicate). Between the two: requests still in flight when
    // autocannon stopped, written but never answered, at most one per connection.
    const client = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'bench' });
    const domainTopics = caseDomains.map((d) => `${prefix}${d}`);
    let inKafka = 0;
    for (const topic of domainTopics) {
      inKafka += (await topicOffsets(client, topic)).reduce((s, o) => s + Number(o.high), 0);
    }
    const answered202 = opened.length + warmUp + batch.accepted + singleWarm.accepted + single.accepted;
    const sent = opened.length + warmUp + batch.accepted + singleWarm.sent + single.sent;
    const durable = inKafka >= answered202 && inKafka <= sent;

    const ratio = batch.eventsPerS / base.eventsPerS;
    const batchMet = batch.eventsPerS >= 20_000 && ratio >= 0.25;
    const singleMet = single.requestsPerS >= 3_000 && single.p99 < 25;
    const rows: [string, string, string, string][] = [
      ['Kafka ProducerPerformance (baseline)', '', `${fmt(base.eventsPerS)} records/s`, ''],
      [
        'batch ingest: events/s',
        '>= 20000',
        fmt(batch.eventsPerS),
        batch.eventsPerS >= 20_000 ? 'pass' : 'FAIL',
      ],
      [
        'batch ingest: share of baseline',
        '>= 25%',
        Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : 'n/a',
        Number.isFinite(ratio) ? (ratio >= 0.25 ? 'pass' : 'FAIL') : 'n/a',
      ],
      [
        'single POST: requests/s',
        '>= 3000',
        fmt(single.requestsPerS),
        single.requestsPerS >= 3_000 ? 'pass' : 'FAIL',
      ],
      ['single POST: p99 latency', '< 25 ms', `${single.p99} ms`, single.p99 < 25 ? 'pass' : 'FAIL'],
      [
        'every 202 in Kafka, none twice',
        `${answered202}..${sent}`,
        `${inKafka} records`,
        durable ? 'pass' : 'FAIL',
      ],
    ];
    console.log('\nresults');
    console.log(`  ${'measure'.padEnd(38)} ${'target'.padEnd(16)} ${'measured'.padEnd(20)} verdict`);
    for (const [name, target, value, verdict] of rows) {
      console.log(`  ${name.padEnd(38)} ${target.padEnd(16)} ${value.padEnd(20)} ${verdict}`);
    }
    console.log(
      `  batch target ${batchMet ? 'met' : 'NOT met'}; single-event target ${singleMet ? 'met' : 'NOT met'}`,
    );
    const baseline = { name: 'Kafka ProducerPerformance', value: base.eventsPerS, unit: 'records/s' };
    reportBench('ingest', [
      {
        figure: 'batch ingest (500 per request)',
        value: batch.eventsPerS,
        unit: 'events/s',
        better: 'higher',
        baseline,
        target: 20_000,
        ratioTarget: 0.25,
      },
      {
        figure: 'single-event POSTs',
        value: single.requestsPerS,
        unit: 'req/s',
        better: 'higher',
        target: 3_000,
      },
      { figure: 'single-event POSTs, p99', value: single.p99, unit: 'ms', better: 'lower', target: 25 },
      { figure: 'every 202 in Kafka once', value: durable ? 1 : 0, unit: '', better: 'higher', target: 1 },
    ]);
    if (!durable) process.exitCode = 1;
  } finally {
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await new Promise((r) => gateway?.once('exit', r));
    }
    // After the gateway stopped: deleting its topics under it only made it log errors until it exited.
    const client = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'bench' });
    await deleteTopics(client, [...caseDomains.map((d) => `${prefix}${d}`), systemsTopicName(prefix)]).catch(
      () => undefined,
    );
    await dropDatabase(databaseUrl).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
