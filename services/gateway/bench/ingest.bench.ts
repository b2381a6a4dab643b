/**
 * Ingest benchmark (a script, not a test): `npm run bench:ingest -w @ketenhub/gateway`.
 *
 * In one run on this machine:
 * 1. Kafka's own ProducerPerformance, 1 KiB records, acks=all: the baseline;
 * 2. batch ingest of 1 KiB, fully validated events through a gateway running as a child process
 *    (`tsx src/index.ts`, the real composition root);
 * 3. single-event POSTs with autocannon (bounded duration, 127.0.0.1 only).
 * Prints events/s, the ratio to the baseline, requests/s and latency percentiles.
 *
 * Settings (environment): BENCH_BASELINE_RECORDS (300000), BENCH_BATCH_EVENTS (150000),
 * BENCH_BATCH_SIZE (500), BENCH_BATCH_CONCURRENCY (6), BENCH_SINGLE_DURATION_S (15),
 * BENCH_SINGLE_CONNECTIONS (24), BENCH_NODE_ARGS (extra node flags for the gateway), KAFKA_BROKERS (127.0.0.1:9092), DATABASE_URL (local).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dropDatabase } from '@ketenhub/db';
import { exampleData, exampleOrganisations } from '@ketenhub/events/testing';
import {
  createKafkaClient,
  createPublisher,
  deleteTopics,
  ensureTopics,
  parseBrokers,
  topicOffsets,
} from '@ketenhub/kafka';
import autocannon from 'autocannon';

const run = promisify(execFile);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const repo = here('../../../');
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
  const { stdout } = await run(
    'java',
    [
      '-Xmx512m',
      '-cp',
      `${repo}infra/kafka/lib/*`,
      `-Dlog4j2.configurationFile=${repo}infra/kafka/log4j2-tools.properties`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(baselineRecords),
      '--record-size',
      '1024',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers}`,
      'acks=all',
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
  );
  await deleteTopics(client, [topic]);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const m = /([\d.]+) records\/sec/.exec(line);
  return { eventsPerS: m ? Number(m[1]) : Number.NaN, line };
}

async function startGateway(): Promise<ChildProcess> {
  const client = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'bench' });
  // The system, as the registry would publish it on its compacted state topic.
  const systemsTopic = `${prefix}ketenhub.registry.systems`;
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
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/index.ts'], {
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
  });
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

async function batchIngest(cases: string[]) {
  // Bodies are built before the clock starts: the client's own JSON work is not the gateway's cost.
  const bodies: string[] = [];
  for (let i = 0; i < batchEvents; i += batchSize) {
    bodies.push(
      JSON.stringify(
        Array.from({ length: Math.min(batchSize, batchEvents - i) }, (_, j) =>
          event(cases[(i + j) % cases.length]!),
        ),
      ),
    );
  }
  let next = 0;
  let accepted = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: batchConcurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const t0 = performance.now();
        const res = await fetch(`${baseUrl}/events`, {
          method: 'POST',
          headers: headers('application/cloudevents-batch+json'),
          body,
        });
        const json = (await res.json()) as { accepted?: number };
        latencies.push(performance.now() - t0);
        if (res.status !== 202)
          throw new Error(`batch answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
        accepted += json.accepted ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    accepted,
    seconds,
    eventsPerS: accepted / seconds,
    p99BatchMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

async function singleIngest(cases: string[]) {
  let n = 0;
  const result = await autocannon({
    url: `${baseUrl}/events`,
    method: 'POST',
    connections: singleConnections,
    duration: singleDurationS,
    headers: headers('application/cloudevents+json'),
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: JSON.stringify(event(cases[n++ % cases.length]!)) }),
      },
    ],
  });
  const non202 = result.statusCodeStats
    ? Object.entries(result.statusCodeStats).filter(([code]) => code !== '202')
    : [];
  return {
    requestsPerS: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    non202,
  };
}

async function main() {
  console.log(`ketenhub ingest benchmark (run ${runId}); node ${process.version}; brokers ${brokers}`);
  console.log(
    `1/3 Kafka ProducerPerformance: ${baselineRecords} records of 1024 bytes, acks=all, ${partitions} partitions`,
  );
  const base = await baseline();
  console.log(`    ${base.line}`);

  let gateway: ChildProcess | undefined;
  try {
    gateway = await startGateway();
    const cases = await openCases(600);
    // Warm-up: JIT, connection pools, producer metadata.
    await fetch(`${baseUrl}/events`, {
      method: 'POST',
      headers: headers('application/cloudevents-batch+json'),
      body: JSON.stringify(Array.from({ length: 200 }, (_, i) => event(cases[i % cases.length]!))),
    });

    console.log(
      `2/3 batch ingest: ${batchEvents} events of 1024 bytes, ${batchSize} per request, ${batchConcurrency} in flight`,
    );
    const batch = await batchIngest(cases);
    console.log(
      `    ${batch.accepted} accepted in ${batch.seconds.toFixed(1)} s: ${Math.round(batch.eventsPerS)} events/s, p99 per batch ${batch.p99BatchMs.toFixed(0)} ms`,
    );

    console.log(
      `3/3 single-event POSTs: ${singleConnections} connections for ${singleDurationS} s (autocannon)`,
    );
    const single = await singleIngest(cases);
    console.log(
      `    ${Math.round(single.requestsPerS)} requests/s (${single.total} total), p50 ${single.p50} ms, p99 ${single.p99} ms, non-2xx ${single.non2xx}, errors ${single.errors}`,
    );

    const topic = `${prefix}wmo`;
    const client = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'bench' });
    const inKafka = (await topicOffsets(client, topic)).reduce((s, o) => s + Number(o.high), 0);

    const ratio = batch.eventsPerS / base.eventsPerS;
    const rows = [
      ['Kafka ProducerPerformance (baseline)', `${Math.round(base.eventsPerS)} records/s`, ''],
      [
        'gateway batch ingest',
        `${Math.round(batch.eventsPerS)} events/s`,
        `${(ratio * 100).toFixed(1)}% of baseline (target >= 20000/s and >= 25%): ${batch.eventsPerS >= 20_000 && ratio >= 0.25 ? 'met' : 'NOT met'}`,
      ],
      [
        'gateway single-event POST',
        `${Math.round(single.requestsPerS)} req/s, p99 ${single.p99} ms`,
        `target >= 3000 req/s, p99 < 25 ms: ${single.requestsPerS >= 3_000 && single.p99 < 25 ? 'met' : 'NOT met'}`,
      ],
    ];
    console.log('\nresults');
    for (const [name, value, note] of rows) console.log(`  ${name!.padEnd(38)} ${value!.padEnd(28)} ${note}`);
    console.log(`  records in ${topic}: ${inKafka} (cases opened + warm-up + batch + single)`);
    await deleteTopics(client, [topic, `${prefix}omgevingswet`, `${prefix}ketenhub.registry.systems`]).catch(
      () => undefined,
    );
  } finally {
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await new Promise((r) => gateway?.once('exit', r));
    }
    await dropDatabase(databaseUrl).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
