/**
 * Catch-up and latency benchmark of the projection (issue 5, "Performance"). Not a test: run with
 * `npm run bench:catchup -w @ketenhub/projection [-- --events 100000]`.
 *
 * 1. Produces N events (default 1,000,000) over N/20 chain cases (half WMO, half Omgevingswet,
 *    20 events each) into fresh topics, in bulk.
 * 2. Catch-up: the projection's own consumer code (same as the service) from offset 0 to the end;
 *    events/s.
 * 3. Raw COPY: the same number of timeline rows (same table definition and indexes) COPYed into
 *    PostgreSQL with pg-copy-streams, in the same run; ratio catch-up / COPY.
 * 4. Naive consumer: the same projector, one transaction per event, on a sample of the same data
 *    (default the first 10,000 events), extrapolated; ratio catch-up / naive.
 * 5. The real service as a child process: SSE latency (Kafka ack -> visible on /cases/stream) at
 *    500 events/s, and GET /cases/{id} latency at 1,000 requests/s (paced open-loop, 127.0.0.1).
 * Everything runs on the local Kafka and PostgreSQL; the topics and database are removed at the end
 * unless --keep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { event, omgevingswetLifecycle, orgs, testContext, wmoLifecycle } from '@ketenhub/case-model/testing';
import { createDatabase, dropDatabase, ensureDatabase, migrateToLatest } from '@ketenhub/db';
import { type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import {
  ack,
  caseEventTopic,
  createKafkaClient,
  createPublisher,
  deleteTopics,
  ensureTopics,
  type OutgoingRecord,
  parseBrokers,
  runConsumer,
  topicOffsets,
} from '@ketenhub/kafka';
import { reportBench } from '@ketenhub/kafka/testing';
import { createLogger, serviceNodeFlags, signDevToken } from '@ketenhub/service';
import { settleHeap } from '@ketenhub/testkit/heap';
import type { PacedLoadResult } from '@ketenhub/testkit/paced-load';
import type { PacedLoadSpec } from '@ketenhub/testkit/paced-load-cli';
import { Command } from 'commander';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startProjectionConsumer } from '../src/consumer/consumer';
import { projectBatch, projectorStats } from '../src/consumer/projector';
import { typed } from '../src/database';
import { versionMigrations } from '../src/migrations/version-migrations';
import { createVersion, ensureActiveVersion } from '../src/versions/versions';
import type { SseProbeResult, SseProbeSpec } from './sse-probe';

const program = new Command()
  .option('--events <n>', 'events to produce (20 per chain case)', '1000000')
  .option('--naive-sample <n>', 'events the naive per-event consumer processes (extrapolated)', '10000')
  .option('--partitions <n>', 'partitions per topic', '6')
  .option('--concurrency <n>', 'partition batches handed to the projector at once', '16')
  .option('--max-bytes <n>', 'fetch size per partition (batch size)', String(4 * 1024 * 1024))
  .option('--transactions <n>', 'projector transactions in flight', '4')
  .option('--max-records <n>', 'most records per projector transaction', '2500')
  .option('--max-queued <n>', 'most records queued for the projector (default: the service default)')
  .option('--sse-seconds <n>', 'duration of the SSE latency run', '20')
  .option('--get-seconds <n>', 'duration of the GET latency run', '20')
  .option('--skip-latency', 'only catch-up, COPY and naive', false)
  .option('--keep', 'keep topics and database afterwards', false)
  .parse();
const opts = program.opts<{
  events: string;
  naiveSample: string;
  partitions: string;
  concurrency: string;
  maxBytes: string;
  transactions: string;
  maxRecords: string;
  maxQueued?: string;
  sseSeconds: string;
  getSeconds: string;
  skipLatency: boolean;
  keep: boolean;
}>();

const EVENTS_PER_CASE = 20;
const totalEvents = Math.max(
  EVENTS_PER_CASE * 2,
  Math.floor(Number(opts.events) / EVENTS_PER_CASE / 2) * 2 * EVENTS_PER_CASE,
);
const cases = totalEvents / EVENTS_PER_CASE;
const partitions = Number(opts.partitions);
const runId = Date.now().toString(36);
const prefix = `bench-${runId}.`;
const dbUrl = `postgres://postgres@127.0.0.1:5432/kh_bench_${runId}`;
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const base = 'projection';
const groupBase = `bench-${runId}`;
const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const logger = createLogger({ service: 'bench', level: 'warn' });
const log = (msg: string) =>
  process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
const t0 = Date.now();

/** Deterministic chain case id i (so COPY rows can be regenerated without keeping 1M events). */
function caseId(i: number): string {
  for (let k = 0; ; k++) {
    const h = createHash('sha256').update(`${runId}:${i}:${k}`).digest('hex');
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
    // The contract refuses subjects with a 9-digit run (it could be a BSN).
    if (!/(?<!\d)\d{9}(?!\d)/.test(id)) return id;
  }
}

/** The 20 events of chain case i: a lifecycle plus later facts (declaraties, a document). */
function caseEvents(i: number): KetenEvent[] {
  const id = caseId(i);
  if (i % 2 === 0) {
    const base = wmoLifecycle(id);
    const extra: KetenEvent[] = [];
    for (let m = 0; extra.length < EVENTS_PER_CASE - base.length; m++) {
      const nr = `DCL-2026-0${5 + m}-${i}`;
      extra.push(
        event(
          id,
          'nl.wmo.declaratie-ingediend',
          {
            declaratienummer: nr,
            zorgaanbieder: '98123456',
            gemeentecode: '0999',
            begindatum: `2026-0${5 + m}-01`,
            einddatum: `2026-0${5 + m}-28`,
            totaalBedragInCenten: 56_000,
            prestaties: [
              {
                toewijzingNummer: 400123456,
                productcategorie: '02',
                productcode: '02A05',
                begindatum: `2026-0${5 + m}-01`,
                einddatum: `2026-0${5 + m}-28`,
                geleverdVolume: 10,
                eenheid: 'uur',
                bedragInCenten: 56_000,
              },
            ],
          },
          { from: 'zorgaanbieder', at: `2026-0${6 + m}-02`, id: `${id}-d${m}` },
        ),
        event(
          id,
          'nl.wmo.declaratie-beantwoord',
          {
            declaratienummer: nr,
            ingediendBedragInCenten: 56_000,
            toegekendBedragInCenten: 56_000,
            afgewezenPrestaties: [],
          },
          { from: 'gemeente', at: `2026-0${6 + m}-05`, id: `${id}-a${m}` },
        ),
      );
    }
    return [...base, ...extra];
  }
  const base = omgevingswetLifecycle(id);
  return [
    ...base,
    event(
      id,
      'nl.ketens.document-toegevoegd',
      {
        documentId: 'DOC-3',
        titel: 'Bezwaarschrift',
        documentUrl: 'https://vth.example/doc/3',
        mediatype: 'application/pdf',
        vertrouwelijkheid: 'strikt',
      },
      { from: 'bevoegd-gezag', at: '2026-05-19', id: `${id}-x` },
    ),
  ];
}

const topicOf = (i: number) => `${prefix}${i % 2 === 0 ? 'wmo' : 'omgevingswet'}`;

/** Idle and total CPU time of the machine (all cores), for "where did the time go". */
function machineCpu(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq;
  }
  return { idle, total };
}

/** A port nobody listens on right now (the service binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Catch-up runs in this process, so it runs with this process's V8 flags: those of the rebuild CLI
 * (`serviceNodeFlags('projection:rebuild')`, passed by the npm script), which is what catches up
 * from offset 0 in production. Started otherwise, the figure would not be the CLI's: say so.
 */
const heapFlags = process.execArgv.filter((a) => a.startsWith('--max-'));
const rebuildFlags = [...serviceNodeFlags('projection:rebuild')];

async function main() {
  if (heapFlags.join(' ') !== rebuildFlags.join(' ')) {
    log(
      `WARNING: node flags [${heapFlags.join(' ')}] differ from the rebuild CLI's [${rebuildFlags.join(' ')}]: run it with npm run bench:catchup`,
    );
  }
  log(`${totalEvents} events over ${cases} chain cases, ${partitions} partitions per topic`);
  const kafka = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'ketenhub-bench' });
  const topics = [`${prefix}wmo`, `${prefix}omgevingswet`];
  await ensureTopics(
    kafka,
    topics.map((t) => caseEventTopic(t, partitions)),
  );
  await ensureDatabase(dbUrl);
  const db = createDatabase<unknown>({ url: dbUrl, maxConnections: 8, applicationName: 'ketenhub-bench' });
  let child: ChildProcess | undefined;
  const results: Record<string, unknown> = { events: totalEvents, cases, partitionsPerTopic: partitions };
  try {
    // ---------------------------------------------------------------- 1. produce
    const publisher = await createPublisher(kafka);
    let produced = 0;
    const tp = Date.now();
    const chunk = 300; // cases per request: 6,000 records, well under 1 MiB per partition
    for (let c = 0; c < cases; c += chunk) {
      const records: OutgoingRecord[] = [];
      for (let i = c; i < Math.min(cases, c + chunk); i++) {
        for (const e of caseEvents(i)) {
          const r = toKafkaRecord(e);
          records.push({ topic: topicOf(i), key: r.key, value: r.value, headers: { ...r.headers } });
        }
      }
      await publisher.publish(records);
      produced += records.length;
      if ((c / chunk) % 20 === 0) log(`produced ${produced}`);
    }
    const produceSeconds = (Date.now() - tp) / 1000;
    results.produce = { seconds: produceSeconds, eventsPerSecond: Math.round(produced / produceSeconds) };
    log(`produced ${produced} in ${produceSeconds.toFixed(1)} s`);

    // ---------------------------------------------------------------- 2. catch-up
    const version = await ensureActiveVersion(db, base, groupBase);
    const ends = new Map<string, bigint>();
    for (const t of topics)
      for (const o of await topicOffsets(kafka, t)) ends.set(`${t}:${o.partition}`, BigInt(o.high));
    const positions = new Map<string, bigint>();
    let applied = 0;
    let firstBatchAt = 0;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    // Catch-up and COPY each start from a checkpoint: otherwise the COPY baseline ran while
    // PostgreSQL still wrote back the catch-up's pages, and moved with how much was left.
    await sql`checkpoint`.execute(db);
    settleHeap();
    const cpuBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const tc = Date.now();
    const consumer = await startProjectionConsumer({
      client: kafka,
      db: typed(db),
      version,
      topics,
      ctx: testContext,
      logger,
      partitionsConcurrently: Number(opts.concurrency),
      maxBytesPerPartition: Number(opts.maxBytes),
      transactions: Number(opts.transactions),
      maxRecordsPerTransaction: Number(opts.maxRecords),
      ...(opts.maxQueued ? { maxQueuedRecords: Number(opts.maxQueued) } : {}),
      onBatch: ({ topic, partition, nextOffset }) => {
        if (firstBatchAt === 0) firstBatchAt = Date.now();
        const key = `${topic}:${partition}`;
        applied += Number(BigInt(nextOffset) - (positions.get(key) ?? 0n));
        positions.set(key, BigInt(nextOffset));
        if ([...ends].every(([k, end]) => (positions.get(k) ?? 0n) >= end)) resolveDone();
      },
    });
    const progress = setInterval(() => log(`catch-up ${applied}/${totalEvents}`), 5_000);
    await done;
    clearInterval(progress);
    const catchupSeconds = (Date.now() - tc) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const machine = machineCpu();
    const machineBusy =
      1 - (machine.idle - machineBefore.idle) / Math.max(1, machine.total - machineBefore.total);
    await consumer.stop();
    const phases = Object.fromEntries(Object.entries(projectorStats).map(([k, v]) => [k, Math.round(v)]));
    log(`projector phases (ms, summed over concurrent partitions): ${JSON.stringify(phases)}`);
    const catchupRate = totalEvents / catchupSeconds;
    results.catchup = {
      seconds: catchupSeconds,
      eventsPerSecond: Math.round(catchupRate),
      firstBatchAfterSeconds: (firstBatchAt - tc) / 1000,
      phasesMs: phases,
      benchProcessCpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / catchupSeconds) * 100),
      machineBusyPercent: Math.round(machineBusy * 100),
      cores: cpus().length,
      nodeFlags: heapFlags,
    };
    log(
      `catch-up ${totalEvents} events in ${catchupSeconds.toFixed(1)} s = ${Math.round(catchupRate)} events/s`,
    );

    // ---------------------------------------------------------------- 3. raw COPY of the timeline rows
    const copySchema = `${base}_copy`;
    await migrateToLatest(db, versionMigrations(copySchema), { schema: copySchema });
    const buffers: Buffer[] = [];
    let offset = 0;
    const esc = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n');
    for (let i = 0; i < cases; i++) {
      const lines: string[] = [];
      for (const e of caseEvents(i)) {
        lines.push(
          [
            e.source,
            e.id,
            e.subject,
            e.type,
            e.time,
            topicOf(i),
            String(i % partitions),
            String(offset++),
            esc(JSON.stringify(e)),
          ].join('\t'),
        );
      }
      buffers.push(Buffer.from(`${lines.join('\n')}\n`));
    }
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    await client.query('checkpoint');
    settleHeap();
    const tcopy = Date.now();
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(
        copyFrom(
          `copy ${copySchema}.timeline (source, event_id, case_id, type, tijd, topic, partitie, kafka_offset, event) from stdin`,
        ),
      );
      stream.on('finish', () => resolve());
      stream.on('error', reject);
      let i = 0;
      const write = () => {
        while (i < buffers.length) {
          if (!stream.write(buffers[i++])) {
            stream.once('drain', write);
            return;
          }
        }
        stream.end();
      };
      write();
    });
    const copySeconds = (Date.now() - tcopy) / 1000;
    await client.end();
    buffers.length = 0;
    const copyRate = totalEvents / copySeconds;
    results.copy = {
      seconds: copySeconds,
      rowsPerSecond: Math.round(copyRate),
      table: 'same definition as the timeline (primary key + case index)',
    };
    log(`COPY ${totalEvents} timeline rows in ${copySeconds.toFixed(1)} s = ${Math.round(copyRate)} rows/s`);

    // ---------------------------------------------------------------- 4. naive consumer, one transaction per event
    const naive = await createVersion(db, base, `${groupBase}-naive`);
    const sample = Math.min(Number(opts.naiveSample), totalEvents);
    let naiveCount = 0;
    let naiveStart = 0;
    let resolveNaive: () => void = () => undefined;
    const naiveDone = new Promise<void>((r) => {
      resolveNaive = r;
    });
    const naiveConsumer = await runConsumer(kafka, {
      groupId: naive.groupId,
      topics,
      partitionsConcurrently: 2, // as in earlier runs; kafkajs's own default is 1
      handleBatch: async (batch) => {
        // eachMessage semantics: every record in its own transaction.
        for (const record of batch.records) {
          if (naiveCount >= sample) break;
          if (naiveStart === 0) naiveStart = Date.now();
          await projectBatch(
            {
              db: typed(db),
              schema: naive.schema,
              group: naive.groupId,
              ctx: testContext,
              notify: () => true,
            },
            { topic: batch.topic, partition: batch.partition },
            [record],
          );
          naiveCount += 1;
        }
        if (naiveCount >= sample) resolveNaive();
        return ack();
      },
    });
    await naiveDone;
    const naiveSeconds = (Date.now() - naiveStart) / 1000;
    await naiveConsumer.stop();
    const naiveRate = sample / naiveSeconds;
    results.naive = {
      sampledEvents: sample,
      seconds: naiveSeconds,
      eventsPerSecond: Math.round(naiveRate),
      extrapolatedSecondsForAll: Math.round(totalEvents / naiveRate),
    };
    log(
      `naive: ${sample} events in ${naiveSeconds.toFixed(1)} s = ${Math.round(naiveRate)} events/s (sample, extrapolated)`,
    );

    // ---------------------------------------------------------------- 5. the service: SSE and GET latency
    if (!opts.skipLatency) {
      // Live latency is measured in steady state: the bulk load above leaves autovacuum and
      // several GB of checkpoint write-back behind it, which a running hub has long finished.
      // (Measured once without this step at 1M events: SSE p99 1.0 s, GET p99 36 ms.)
      const settle = Date.now();
      await sql`vacuum (analyze) ${sql.table(`${version.schema}.timeline`)}`.execute(db);
      await sql`vacuum (analyze) ${sql.table(`${version.schema}.cases`)}`.execute(db);
      await sql`checkpoint`.execute(db);
      log(`vacuum and checkpoint before the latency runs: ${((Date.now() - settle) / 1000).toFixed(1)} s`);
      const secret = 'bench-secret-bench-secret-bench-secret-01';
      const port = await freePort();
      child = spawn(
        process.execPath,
        [
          ...serviceNodeFlags('projection'),
          // e.g. BENCH_CHILD_NODE_ARGS=--max-semi-space-size=16 to compare GC settings (the last flag wins).
          ...(process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean),
          ...(process.env.BENCH_CHILD_CPU_PROF
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CHILD_CPU_PROF}`]
            : []),
          '--import',
          'tsx',
          'src/index.ts',
        ],
        {
          cwd: serviceDir,
          env: {
            ...process.env,
            NODE_ENV: 'production',
            DATABASE_URL: dbUrl,
            KAFKA_BROKERS: brokers,
            KAFKA_TOPIC_PREFIX: prefix,
            PROJECTION_SCHEMA: base,
            PROJECTION_GROUP_ID: groupBase,
            PROJECTION_PORT: String(port),
            PROJECTION_DEADLINE_SCAN_MS: '0',
            KETENHUB_HUB_OIN: orgs.ketenhub.oin,
            KETENHUB_DEV_TOKENS: 'true',
            KETENHUB_DEV_TOKEN_SECRET: secret,
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const url = `http://127.0.0.1:${port}`;
      const started = Date.now();
      for (;;) {
        if (Date.now() - started > 60_000)
          throw new Error(`service did not become ready: ${out.slice(-2000)}`);
        const r = await fetch(`${url}/health/ready`).catch(() => null);
        if (r?.status === 200) break;
        await new Promise((r2) => setTimeout(r2, 200));
      }
      const token = await signDevToken(secret, { sub: 'bench', oin: orgs.gemeente.oin, roles: ['gemeente'] });

      // SSE: every WMO case is the gemeente's; each event goes to a distinct case. The probe runs
      // in a process of its own (bench/sse-probe.ts), like the GET load below.
      const rate = 500;
      const n = Math.min(rate * Number(opts.sseSeconds), cases / 2);
      const sse = await jsonProcess<SseProbeResult>(
        fileURLToPath(new URL('./sse-probe.ts', import.meta.url)),
        {
          url,
          token,
          brokers,
          rate,
          cases: Array.from({ length: n }, (_, j) => ({ id: caseId(j * 2), topic: topicOf(j * 2) })),
          // Other WMO cases, one second's worth (or fewer in a small run).
          warmUpCases: Array.from({ length: Math.min(rate, cases / 2 - n) }, (_, j) => ({
            id: caseId((n + j) * 2),
            topic: topicOf((n + j) * 2),
          })),
        } satisfies SseProbeSpec,
      );
      results.sse = sse;
      log(
        `SSE at ${rate}/s: ${sse.received}/${sse.events} received, p50 ${sse.p50Ms} ms, p99 ${sse.p99Ms} ms`,
      );

      // GET /cases/{id} at 1,000 requests/s over WMO cases, paced open-loop (see
      // @ketenhub/testkit/paced-load: autocannon's overallRate sends each second's quota in bursts).
      const ids = Array.from({ length: 2_000 }, (_, k) => caseId(((k * 7919) % (cases / 2)) * 2));
      const getSeconds = Number(opts.getSeconds);
      // The load comes from a process of its own (see paced-load-cli.ts): this one holds the heap of
      // the catch-up above, and its GC pauses would delay sends and count as the service's latency.
      // Warm-up at the same rate first (the first reads fill the case cache, JIT settles), not measured.
      const getLoad = (durationS: number) =>
        pacedLoadProcess({
          url,
          rate: 1_000,
          durationS,
          connections: 32,
          paths: ids.map((id) => `/cases/${id}`),
          headers: { authorization: `Bearer ${token}` },
        });
      await getLoad(3);
      const runtimeBefore = await serviceRuntime(url);
      const busyBefore = machineCpu();
      const g = await getLoad(getSeconds);
      const busyAfter = machineCpu();
      const runtime = runtimeDelta(runtimeBefore, await serviceRuntime(url));
      results.get = {
        requestsPerSecond: g.answeredPerSecond,
        sent: g.sent,
        answered: g.answered,
        statuses: g.statuses,
        errors: g.errors,
        p50Ms: g.p50Ms,
        p90Ms: g.p90Ms,
        p99Ms: g.p99Ms,
        maxMs: g.maxMs,
        machineBusyPercent: Math.round(
          100 * (1 - (busyAfter.idle - busyBefore.idle) / (busyAfter.total - busyBefore.total)),
        ),
        service: runtime,
      };
      log(
        `GET /cases/{id}: ${g.answeredPerSecond} req/s answered, p50 ${g.p50Ms} ms, p99 ${g.p99Ms} ms, statuses ${JSON.stringify(g.statuses)}`,
      );
      log(`  in the service meanwhile: ${JSON.stringify(runtime)}`);
    }

    results.ratios = {
      catchupVsCopy: +(catchupRate / copyRate).toFixed(3),
      catchupVsNaive: +(catchupRate / naiveRate).toFixed(1),
    };
    const targets = {
      'catch-up >= 20,000 events/s': catchupRate >= 20_000,
      'catch-up >= 40% of COPY': catchupRate / copyRate >= 0.4,
      'catch-up >= 10x naive': catchupRate / naiveRate >= 10,
      ...(results.sse
        ? { 'SSE p99 < 100 ms at 500/s': ((results.sse as { p99Ms: number }).p99Ms ?? Infinity) < 100 }
        : {}),
      ...(results.get
        ? { 'GET p99 < 15 ms at 1,000/s': ((results.get as { p99Ms: number }).p99Ms ?? Infinity) < 15 }
        : {}),
    };
    results.targets = targets;
    const copy = { name: 'raw COPY of the timeline rows', value: copyRate, unit: 'rows/s' };
    const sse = results.sse as { p99Ms: number } | undefined;
    const get = results.get as { p99Ms: number } | undefined;
    reportBench('catch-up', [
      {
        figure: 'projection catch-up',
        value: catchupRate,
        unit: 'events/s',
        better: 'higher',
        baseline: copy,
        target: 20_000,
        ratioTarget: 0.4,
      },
      {
        figure: 'catch-up against one event per transaction',
        value: catchupRate,
        unit: 'events/s',
        better: 'higher',
        baseline: { name: 'naive consumer (sample)', value: naiveRate, unit: 'events/s' },
        ratioTarget: 10,
      },
      ...(sse
        ? [
            {
              figure: 'SSE delivery p99 at 500 events/s',
              value: sse.p99Ms,
              unit: 'ms',
              better: 'lower' as const,
              target: 100,
            },
          ]
        : []),
      ...(get
        ? [
            {
              figure: 'GET /cases/{id} p99 at 1,000/s',
              value: get.p99Ms,
              unit: 'ms',
              better: 'lower' as const,
              target: 15,
            },
          ]
        : []),
    ]);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    child?.kill('SIGTERM');
    await db.destroy();
    if (!opts.keep) {
      await dropDatabase(dbUrl).catch(() => undefined);
      await deleteTopics(kafka, topics).catch(() => undefined);
    }
  }
}

/** Runs a script in a fresh node process, its JSON spec on stdin (too large for argv); returns its JSON output. */
function jsonProcess<T>(script: string, spec: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: serviceDir,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin?.end(JSON.stringify(spec));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`${script} exited with ${code}`));
    });
  });
}

/** Runs @ketenhub/testkit's paced-load CLI in a fresh node process and returns its result. */
const pacedLoadProcess = (spec: PacedLoadSpec) =>
  jsonProcess<PacedLoadResult>(fileURLToPath(import.meta.resolve('@ketenhub/testkit/paced-load-cli')), spec);

/**
 * What the service's own /metrics say about its runtime: event-loop delay (prom-client resets its
 * histogram on every scrape, so a scrape after a run covers that run) and GC time per kind. Tells a
 * latency tail caused inside the process (a blocked loop, a long GC) from one caused outside it.
 */
async function serviceRuntime(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string, label = '') => {
    const line = text
      .split('\n')
      .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  };
  const gc: Record<string, { count: number; seconds: number }> = {};
  for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
    gc[kind] = {
      count: value('nodejs_gc_duration_seconds_count', `kind="${kind}"`),
      seconds: value('nodejs_gc_duration_seconds_sum', `kind="${kind}"`),
    };
  }
  return {
    loopDelayP99Ms: +(value('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1),
    loopDelayMaxMs: +(value('nodejs_eventloop_lag_max_seconds') * 1000).toFixed(1),
    gc,
  };
}

function runtimeDelta(before: Awaited<ReturnType<typeof serviceRuntime>>, after: typeof before) {
  const gc = Object.fromEntries(
    Object.entries(after.gc).map(([kind, a]) => {
      const b = before.gc[kind] ?? { count: 0, seconds: 0 };
      return [kind, { count: a.count - b.count, ms: +((a.seconds - b.seconds) * 1000).toFixed(0) }];
    }),
  );
  return { loopDelayP99Ms: after.loopDelayP99Ms, loopDelayMaxMs: after.loopDelayMaxMs, gc };
}

main().then(
  // Exit explicitly: a bounded script must stop by itself, even if a client library keeps a timer.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
