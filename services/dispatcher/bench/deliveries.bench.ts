/**
 * Delivery benchmark of the dispatcher (issue 13, "Performance"). Not a test: run with
 * `npm run bench:deliveries -w @ketenhub/dispatcher [-- --events 2000]`.
 *
 * Everything on this machine: the local Kafka and PostgreSQL, a receiver in its own process on
 * 127.0.0.1, the dispatcher in this process, started by the composition root src/index.ts uses
 * (startDispatcherService) with the benchmark's settings as an operator would set them. Fresh
 * topics and database, removed at the end. Bounded: every phase stops after --phase-timeout
 * seconds whatever it reached.
 *
 * 0. Baseline: the receiver's ceiling with a trivial keep-alive node:http client (the same
 *    concurrency as the dispatcher, the same body): requests/s.
 * 1. 50 subscriptions on the receiver, `--events` events of the gemeente's cases fanned out to all
 *    of them: deliveries/s (the middle 80% of them), and the ratio to the baseline.
 * 2. The same with 5 of the subscriptions failing (3 answer 500, 2 never answer: timeouts): the
 *    other 45's deliveries/s against what the same 45 got in phase 1.
 * 3. A replay of `--replay-events` events (in their own cases) to one subscriber while live
 *    events keep coming for the 45: the replay's deliveries/s, and the live rate meanwhile.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropDatabase, ensureDatabase } from '@ketenhub/db';
import { caseDomains, type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import { makeEvent, exampleOrganisations as org } from '@ketenhub/events/testing';
import {
  createKafkaClient,
  createPublisher,
  deleteTopics,
  ensureTopics,
  type OutgoingRecord,
  parseBrokers,
} from '@ketenhub/kafka';
import { type BenchFigure, reportBench } from '@ketenhub/kafka/testing';
import { createLogger, loadEnv } from '@ketenhub/service';
import { sql } from 'kysely';
import { dispatcherEnv } from '../src/env';
import { startDispatcherService } from '../src/service';
import { subscriptionsTopicName } from '../src/subscriptions/subscription-record';

const { values: opts } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    cases: { type: 'string', default: '500' },
    subscriptions: { type: 'string', default: '50' },
    'replay-events': { type: 'string', default: '100000' },
    'replay-cases': { type: 'string', default: '5000' },
    'live-rate': { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '256' },
    'per-subscription': { type: 'string', default: '96' },
    'run-length': { type: 'string', default: '32' },
    'timeout-ms': { type: 'string', default: '15000' },
    'phase-timeout': { type: 'string', default: '180' },
    'baseline-seconds': { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const n = (k: keyof typeof opts) => Number(opts[k]);

const run = `bench_dispatcher_${Date.now().toString(36)}`;
const prefix = `${run}.`;
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ketenhub';
const dbUrl = baseUrl.replace(/\/[^/?]*(\?|$)/, `/${run}$1`);
const brokers = parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
const logger = createLogger({ service: 'dispatcher-bench', level: process.env.LOG_LEVEL ?? 'warn' });
const phaseTimeoutMs = n('phase-timeout') * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

// ------------------------------------------------------------------------------------------------
// The receiver, and the baseline against it

const receiver: ChildProcess = fork(fileURLToPath(new URL('./receiver.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const receiverPort = await new Promise<number>((resolve) =>
  receiver.once('message', (m: { port: number }) => resolve(m.port)),
);
const target = (kind: 'ok' | 'fail' | 'hang', i: number) => `http://127.0.0.1:${receiverPort}/${kind}/${i}`;

const sampleBody = Buffer.from(JSON.stringify(makeEvent('nl.wmo.toewijzing-verzonden')));

/** A trivial keep-alive client: `concurrency` loops POSTing the same body for `seconds`. */
async function baseline(seconds: number, concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        target('ok', 0),
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/cloudevents+json', 'content-length': sampleBody.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(sampleBody);
    });
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await one();
        done++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  return { perSecond: done / elapsed, clientCpuPerRequestUs: (cpu.user + cpu.system) / done };
}

// ------------------------------------------------------------------------------------------------
// The hub's side: topics, database, the dispatcher in this process

const kafka = createKafkaClient({ brokers, clientId: 'dispatcher-bench' });
// The domain topics are the dispatcher's to create (KAFKA_PARTITIONS below); the subscriptions
// topic exists before it starts, because the subscriptions are published first.
const topics = caseDomains.map((d) => `${prefix}${d}`);
await ensureTopics(kafka, [
  {
    name: subscriptionsTopicName(prefix),
    partitions: 1,
    configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1' },
  },
]);
await ensureDatabase(dbUrl);
const publisher = await createPublisher(kafka);
const webhookKey = 'dispatcher-bench-webhook-key-0123456789abcdef';

const urlOf = new Map<string, string>();

interface Sub {
  id: string;
  oin: string;
  roles: string[];
  types: string[];
  url: string;
  status: 'active' | 'paused' | 'deleted';
  revision: number;
}
const publishSubs = (subs: Sub[]) => {
  for (const s of subs) if (!urlOf.has(s.id)) urlOf.set(s.id, s.url);
  return publisher.publish(
    subs.map((s) => ({
      topic: subscriptionsTopicName(prefix),
      key: s.id,
      value: JSON.stringify({
        version: 1,
        id: s.id,
        systemId: randomUUID(),
        oin: s.oin,
        roles: s.roles,
        url: s.url,
        types: s.types,
        status: s.status,
        systemRevoked: false,
        secretVersion: 1,
        previousSecretValidUntil: null,
        allowedRate: null,
        backfill: null,
        revision: s.revision,
        updatedAt: new Date().toISOString(),
      }),
    })),
  );
};

const subscriptionCount = n('subscriptions');
const subs: Sub[] = Array.from({ length: subscriptionCount }, (_, i) => ({
  id: randomUUID(),
  oin: org.gemeente.oin,
  roles: ['gemeente'],
  types: ['nl.wmo.toewijzing-verzonden'],
  url: target('ok', i),
  status: 'active',
  revision: 1,
}));
await publishSubs(subs);

const dispatcher = await startDispatcherService(
  loadEnv(dispatcherEnv, {
    DATABASE_URL: dbUrl,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '6',
    KETENHUB_ADMIN_TOKEN: 'dispatcher-bench-admin-token-0123456789abcdef',
    KETENHUB_WEBHOOK_KEY: webhookKey,
    KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
    KETENHUB_WEBHOOK_ORIGIN: 'ketenhub.bench',
    KETENHUB_HUB_OIN: org.ketenhub.oin,
    DISPATCHER_PORT: '0',
    DISPATCHER_CONCURRENCY: String(opts.concurrency),
    DISPATCHER_SUBSCRIPTION_MAX_IN_FLIGHT: String(opts['per-subscription']),
    DISPATCHER_RUN_LENGTH: String(opts['run-length']),
    DISPATCHER_TIMEOUT_MS: String(opts['timeout-ms']),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  }),
  { kafka, logger },
);
const { db, sender, jobs, groupId } = dispatcher;

const toRecord = (e: KetenEvent): OutgoingRecord => {
  const r = toKafkaRecord(e);
  return { topic: `${prefix}wmo`, key: r.key, value: r.value, headers: { ...r.headers } };
};
async function publishAll(list: KetenEvent[]) {
  for (let i = 0; i < list.length; i += 2_000)
    await publisher.publish(list.slice(i, i + 2_000).map(toRecord));
}
const fannedOut = async () =>
  Number(
    (
      await sql<{ n: string }>`select coalesce(sum(next_offset), 0) as n from dispatcher.consumer_positions
        where group_id = ${groupId}`.execute(db)
    ).rows[0]?.n,
  );
let published = 0;
async function untilFannedOut() {
  const deadline = Date.now() + phaseTimeoutMs;
  while ((await fannedOut()) < published && Date.now() < deadline) await sleep(100);
}

/** What the receiver answered 2xx so far, per path: cheap to ask (counting outbox rows is not). */
const receiverCounts = () =>
  new Promise<{ counts: Record<string, number>; byPath: Record<string, number> }>((resolve) => {
    receiver.once('message', resolve);
    receiver.send({ type: 'counts' });
  });
const deliveredOf = async (ids: readonly string[]) => {
  const { byPath } = await receiverCounts();
  let total = 0;
  for (const id of ids) total += byPath[new URL(urlOf.get(id) ?? 'http://x/').pathname] ?? 0;
  return total;
};

/**
 * Samples `count()` every 250 ms until it reaches `total` (or the phase times out); the rate is the
 * middle 80% of the deliveries over the time they took, so start-up and the tail do not count.
 */
async function measure(count: () => Promise<number>, total: number, alsoCount?: () => Promise<number>) {
  const samples: { t: number; n: number; also: number }[] = [];
  const start = Date.now();
  const cpu = process.cpuUsage();
  for (;;) {
    const now = Date.now();
    const got = await count();
    samples.push({ t: now, n: got, also: alsoCount ? await alsoCount() : 0 });
    if (got >= total || now - start > phaseTimeoutMs) break;
    if (process.env.BENCH_DEBUG && samples.length % 4 === 0)
      console.error(
        `  t=${((now - start) / 1000).toFixed(1)}s delivered=${got} also=${alsoCount ? await alsoCount() : 0} published=${published} fannedOut=${await fannedOut()} sender=${JSON.stringify(sender.stats)}`,
      );
    await sleep(250);
  }
  const used = process.cpuUsage(cpu);
  // The middle 80%, or, when the phase timed out before 90%, from 10% (or the first sample) to the end.
  const at = (fraction: number) => samples.find((s) => s.n >= total * fraction);
  const a = at(0.1) ?? samples[Math.min(samples.length - 1, 4)];
  const b = at(0.9) ?? samples.at(-1);
  const rate = a && b && b.t > a.t ? (b.n - a.n) / ((b.t - a.t) / 1000) : 0;
  const last = samples.at(-1);
  const alsoRate = a && b && b.t > a.t ? (b.also - a.also) / ((b.t - a.t) / 1000) : 0;
  const seconds = ((last?.t ?? start) - start) / 1000;
  return {
    rate,
    alsoRate,
    reached: last?.n ?? 0,
    seconds,
    cpuCores: (used.user + used.system) / 1e6 / Math.max(0.001, seconds),
  };
}

const caseIds = Array.from({ length: n('cases') }, () => randomUUID());
// Round the cases: consecutive events go to different cases (a case's deliveries are sequential).
let nextCase = 0;
const toewijzingen = (count: number) =>
  Array.from(
    { length: count },
    () =>
      makeEvent('nl.wmo.toewijzing-verzonden', undefined, {
        subject: caseIds[nextCase++ % caseIds.length] as string,
        id: randomUUID(),
      }) as KetenEvent,
  );

const results: string[] = [];
const figures: BenchFigure[] = [];
try {
  // Phase 0
  const base = await baseline(n('baseline-seconds'), n('concurrency'));
  const receiverCeiling = {
    name: 'node:http client against the receiver',
    value: base.perSecond,
    unit: 'req/s',
  };
  results.push(
    `baseline: trivial node:http keep-alive client, ${opts.concurrency} in flight, against the receiver: ${fmt(base.perSecond)} req/s (${base.clientCpuPerRequestUs.toFixed(0)} µs client CPU per request)`,
  );

  // The cases: opened by the gemeente (every subscription here is the gemeente's).
  const openings = caseIds.map(
    (c) =>
      makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: c, id: randomUUID() }) as KetenEvent,
  );
  await publishAll(openings);
  published += openings.length;
  await untilFannedOut();

  // Phase 1
  const perEvent = subs.length;
  const phase1 = toewijzingen(n('events'));
  const healthy = subs.slice(5).map((s) => s.id);
  const all = subs.map((s) => s.id);
  const before1 = await deliveredOf(all);
  const before1healthy = await deliveredOf(healthy);
  void publishAll(phase1).then(() => {
    published += phase1.length;
  });
  const p1 = await measure(
    async () => (await deliveredOf(all)) - before1,
    phase1.length * perEvent,
    async () => (await deliveredOf(healthy)) - before1healthy,
  );
  results.push(
    `phase 1: ${subs.length} subscriptions, ${fmt(phase1.length)} events, ${fmt(phase1.length * perEvent)} deliveries: ${fmt(p1.rate)} deliveries/s (${((p1.rate / base.perSecond) * 100).toFixed(1)}% of the baseline), reached ${fmt(p1.reached)} in ${p1.seconds.toFixed(1)} s, bench process ${p1.cpuCores.toFixed(2)} cores; the 45 that stay healthy: ${fmt(p1.alsoRate)}/s`,
  );
  figures.push({
    figure: `${subs.length} subscriptions on one receiver`,
    value: p1.rate,
    unit: 'deliveries/s',
    better: 'higher',
    baseline: receiverCeiling,
    target: 5_000,
  });

  // Phase 2: 3 answer 500, 2 never answer.
  const failing = subs.slice(0, 5).map((s, i) => ({
    ...s,
    url: target(i < 3 ? 'fail' : 'hang', i),
    revision: s.revision + 1,
  }));
  await publishSubs(failing);
  await sleep(1_000);
  const phase2 = toewijzingen(n('events'));
  const before2 = await deliveredOf(healthy);
  void publishAll(phase2).then(() => {
    published += phase2.length;
  });
  const p2 = await measure(
    async () => (await deliveredOf(healthy)) - before2,
    phase2.length * healthy.length,
  );
  const recv = await receiverCounts();
  results.push(
    `phase 2: 5 of them failing (3 x 500, 2 x no answer within ${opts['timeout-ms']} ms): the other 45 ${fmt(p2.rate)} deliveries/s against ${fmt(p1.alsoRate)}/s in phase 1 (${((p2.rate / p1.alsoRate) * 100).toFixed(1)}%); the receiver answered ${fmt(recv.counts.fail ?? 0)} x 500 and held ${fmt(recv.counts.hang ?? 0)} requests so far`,
  );
  figures.push({
    figure: 'the 45 healthy ones while 5 fail (timeouts, 500s)',
    value: p2.rate,
    unit: 'deliveries/s',
    better: 'higher',
    baseline: { name: 'the same 45 with none failing', value: p1.alsoRate, unit: 'deliveries/s' },
    ratioTarget: 0.9,
  });

  // Phase 3: the failing ones end; a replay to one subscriber while live delivery continues.
  await publishSubs(failing.map((s) => ({ ...s, status: 'deleted', revision: s.revision + 1 })));
  const replayCases = Array.from({ length: n('replay-cases') }, () => randomUUID());
  const replayFrom = new Date(Date.now() - 1_000).toISOString();
  const history: KetenEvent[] = replayCases.flatMap((c) => [
    makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: c, id: randomUUID() }) as KetenEvent,
    makeEvent('nl.ketens.deelnemer-aangesloten', undefined, { subject: c, id: randomUUID() }) as KetenEvent,
  ]);
  const replayEvents = n('replay-events');
  for (let i = 0; i < replayEvents; i++) {
    history.push(
      makeEvent('nl.wmo.zorg-gestart', undefined, {
        subject: replayCases[i % replayCases.length] as string,
        id: randomUUID(),
        as: 'zorgaanbieder',
      }) as KetenEvent,
    );
  }
  await publishAll(history);
  published += history.length;
  await untilFannedOut();
  const replayTo = new Date(Date.now() + 500).toISOString();
  await sleep(1_000);
  // The subscriber that lost its data: the care provider, for its zorg-gestart.
  const replayed: Sub = {
    id: randomUUID(),
    oin: org.zorgaanbieder.oin,
    roles: ['zorgaanbieder'],
    types: ['nl.wmo.zorg-gestart'],
    url: target('ok', 999),
    status: 'active',
    revision: 1,
  };
  await publishSubs([replayed]);
  await sleep(1_000);
  let live = true;
  const liveLoop = (async () => {
    const perTick = Math.max(1, Math.round(n('live-rate') / 10));
    while (live) {
      const batch = toewijzingen(perTick);
      await publishAll(batch);
      published += batch.length;
      await sleep(100);
    }
  })();
  const beforeLive = await deliveredOf(healthy);
  const { result } = await jobs.replay(replayed.id, { from: replayFrom, to: replayTo, dryRun: false });
  const p3 = await measure(
    async () => deliveredOf([replayed.id]),
    replayEvents,
    async () => (await deliveredOf(healthy)) - beforeLive,
  );
  live = false;
  await liveLoop;
  const job = await jobs.view(result && 'id' in result ? result.id : '');
  results.push(
    `phase 3: replay of ${fmt(replayEvents)} events (${fmt(replayCases.length)} cases) to one subscriber: ${fmt(p3.rate)} deliveries/s, reached ${fmt(p3.reached)} in ${p3.seconds.toFixed(1)} s (job ${job?.status}, matched ${fmt(job?.progress.matched ?? 0)}); live meanwhile ${fmt(p3.alsoRate)} deliveries/s to the 45 (offered ${fmt(n('live-rate') * healthy.length)}/s)`,
  );
  figures.push({
    figure: `replay of ${fmt(replayEvents)} events to one subscriber, live traffic beside it`,
    value: p3.rate,
    unit: 'deliveries/s',
    better: 'higher',
    baseline: receiverCeiling,
    target: 3_000,
  });
} finally {
  reportBench('deliveries', figures);
  console.log(`\nDispatcher delivery benchmark (${new Date().toISOString()}, node ${process.version})`);
  for (const line of results) console.log(`- ${line}`);
  await dispatcher.close();
  await publisher.close();
  receiver.send({ type: 'stop' });
  if (!opts.keep) {
    await deleteTopics(kafka, [...topics, subscriptionsTopicName(prefix)]).catch(() => undefined);
    await dropDatabase(dbUrl).catch(() => undefined);
  }
  process.exit(0);
}
