import { randomUUID } from 'node:crypto';
import type { AccessContext, AccessState } from '@ketenhub/access';
import { loadPositions } from '@ketenhub/db';
import type { KafkaClient } from '@ketenhub/kafka';
import { AppError, type Logger, type Violation } from '@ketenhub/service';
import { type Kysely, sql, type Transaction } from 'kysely';
import { accessStatesBefore, storeAccessEvents } from '../cases/case-access.repository';
import type { DispatcherDatabase } from '../db';
import { bringForward, type NewDelivery, queueBackfilled, queueReplayed } from '../deliveries/outbox';
import { dispatcherSchema } from '../migrations';
import type { KnownSubscription } from '../subscriptions/subscription-record';
import {
  accessEventsOf,
  backfillCases,
  type CountedCase,
  decideBackfill,
  decideReplay,
  foldForBackfill,
  type Target,
} from './decide';
import {
  offsetsForTime,
  type PartitionRange,
  partitionEnds,
  partitionKey,
  type RangeHandler,
  readRanges,
} from './kafka-window';
import type { ReplayKind, ReplayStatus } from './replays.table';
import type { BackfillRequest, ReplayRequest } from './requests';

type Db = Kysely<DispatcherDatabase>;
type Trx = Transaction<DispatcherDatabase>;

export interface JobsDeps {
  db: Db;
  kafka: KafkaClient;
  logger: Logger;
  /** The domain topics (with prefix). */
  topics: string[];
  /** The events consumer's group: the window ends where it has fanned out (access events stored). */
  groupId: string;
  /** Prefix of the reading groups' names (KAFKA_TOPIC_PREFIX). */
  groupPrefix: string;
  access: AccessContext;
  /** Called after a chunk queued deliveries: wakes the sender. */
  onQueued(count: number): void;
  /** How long a job's lease lasts without renewal (a crashed instance's job is taken over after it). */
  leaseMs?: number;
  pollMs?: number;
  /** Jobs this instance runs at once. */
  concurrency?: number;
  /** Bytes fetched per partition and batch: the size of a job's chunk (one transaction each). */
  fetchBytes?: number;
}

/** One partition of a window: deliveries from `start`, read from `scanFrom`, up to `end` (exclusive). */
export interface WindowPartition {
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
  scanFrom: bigint;
}

const bad = (violations: Violation[]) =>
  new AppError('invalid-request', 'the request is not valid', { violations });

/** A subscription as a job needs it, from the dispatcher's table. */
export async function loadSubscription(db: Db | Trx, id: string): Promise<KnownSubscription | undefined> {
  const s = await db
    .selectFrom('dispatcher.subscriptions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!s) return undefined;
  const roles = s.roles ?? [];
  return {
    id: s.id,
    oin: s.oin,
    types: new Set(s.types),
    roles,
    revision: Number(s.revision),
    queues: s.status !== 'deleted' && !s.system_revoked && roles.length > 0,
    // An abonnement's filters hold for replays and backfills as for live fan-out.
    ...(s.kanalen ? { kanalen: s.kanalen } : {}),
  };
}

function targetOf(subscription: KnownSubscription, request: { types?: string[]; cases?: string[] }): Target {
  const violations: Violation[] = (request.types ?? []).flatMap((t, i) =>
    subscription.types.has(t)
      ? []
      : [
          {
            field: `types.${i}`,
            rule: 'subscription-types',
            message: `types.${i}: "${t}" is not one of the subscription's types`,
          },
        ],
  );
  if (violations.length > 0) throw bad(violations);
  if (!subscription.queues) {
    throw new AppError(
      'conflict',
      'the subscription receives nothing (deleted, its system revoked, or its record has no roles)',
    );
  }
  return {
    subscription,
    types: new Set(request.types ?? subscription.types),
    cases: request.cases ? new Set(request.cases.map((c) => c.toLowerCase())) : null,
  };
}

export type JobsService = ReturnType<typeof createJobs>;

/**
 * Replays, backfills and the upgrade's history fill: jobs over windows of the log (design in
 * docs/dispatcher.md, "Replay and backfill"). A job's effects (deliveries, stored access events)
 * and its progress per partition are written in one transaction per partition batch, under its
 * lease: after a crash at any instant nothing is queued twice and nothing skipped, and another
 * instance takes the job over when the lease runs out.
 */
export function createJobs(deps: JobsDeps) {
  const { db, kafka, logger } = deps;
  const leaseMs = deps.leaseMs ?? 30_000;
  const instance = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const running = new Map<string, { abort: () => void; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  const fannedOut = async () => {
    const out = new Map<string, bigint>();
    for (const topic of deps.topics) {
      for (const [p, o] of await loadPositions(db as never, dispatcherSchema, deps.groupId, topic))
        out.set(partitionKey(topic, p), BigInt(o));
    }
    return out;
  };

  const topicOfKey = (key: string): { topic: string; partition: number } | undefined => {
    const at = key.lastIndexOf(':');
    const name = key.slice(0, at);
    const partition = Number(key.slice(at + 1));
    const topic = deps.topics.includes(name)
      ? name
      : deps.topics.find((t) => t === `${deps.groupPrefix}${name}`);
    return topic ? { topic, partition } : undefined;
  };

  /**
   * A replay's window per partition. Ends no later than the fan-out's stored position: the access
   * events below it are all in case_access_events, so each event's state can be folded; beyond it
   * the live fan-out has not decided yet either.
   */
  async function replayWindow(request: ReplayRequest): Promise<WindowPartition[]> {
    const ends = await partitionEnds(kafka, deps.topics);
    const positions = await fannedOut();
    const byTime = async (iso: string | undefined) => {
      const out = new Map<string, bigint>();
      if (!iso) return out;
      for (const topic of deps.topics)
        for (const [p, o] of await offsetsForTime(kafka, topic, Date.parse(iso)))
          out.set(partitionKey(topic, p), o);
      return out;
    };
    const fromTime = await byTime(request.from);
    const toTime = await byTime(request.to);
    const violations: Violation[] = [];
    const explicit = (field: 'fromOffsets' | 'toOffsets') => {
      const out = new Map<string, bigint>();
      for (const [key, value] of Object.entries(request[field] ?? {})) {
        const where = topicOfKey(key);
        const ends1 = where && ends.get(partitionKey(where.topic, where.partition));
        if (!where || !ends1) {
          violations.push({
            field: `${field}.${key}`,
            rule: 'partition',
            message: `${field}.${key}: no such partition`,
          });
          continue;
        }
        const o = BigInt(value);
        if (o < ends1.low || o > ends1.high) {
          violations.push({
            field: `${field}.${key}`,
            rule: 'in-log',
            message: `${field}.${key}: must be between ${ends1.low} and ${ends1.high}`,
          });
          continue;
        }
        out.set(partitionKey(where.topic, where.partition), o);
      }
      return out;
    };
    const fromOffsets = explicit('fromOffsets');
    const toOffsets = explicit('toOffsets');
    if (violations.length > 0) throw bad(violations);
    const out: WindowPartition[] = [];
    for (const [key, e] of ends) {
      if (request.fromOffsets && !fromOffsets.has(key)) continue;
      const start = fromOffsets.get(key) ?? fromTime.get(key) ?? e.high;
      const reached = positions.get(key) ?? 0n;
      let end = toOffsets.get(key) ?? toTime.get(key) ?? reached;
      if (end > reached) end = reached;
      const s = start < e.low ? e.low : start;
      out.push({ topic: e.topic, partition: e.partition, start: s, end: end < s ? s : end, scanFrom: s });
    }
    // The history fill of an upgrade must have stored the access events below the window.
    const fill = await sql<{ topic: string; partition: number; next_offset: string }>`
      select p.topic, p.partition, p.next_offset from dispatcher.replay_partitions p
      join dispatcher.replays r on r.id = p.replay_id
      where r.kind = 'history' and r.status = 'running' and p.next_offset < p.end_offset`.execute(db);
    for (const f of fill.rows) {
      const w = out.find((x) => x.topic === f.topic && x.partition === f.partition);
      if (w && w.end > w.start && w.start > BigInt(f.next_offset)) {
        throw new AppError(
          'conflict',
          `the access history of ${f.topic}:${f.partition} is still being read after the upgrade (at offset ${f.next_offset}); try again later`,
          { rule: 'access-history' },
        );
      }
    }
    return out;
  }

  /** A backfill's window: every partition from its first record up to its end now; deliveries from `from`. */
  async function backfillWindow(request: BackfillRequest): Promise<WindowPartition[]> {
    const ends = await partitionEnds(kafka, deps.topics);
    const from = new Map<string, bigint>();
    if (request.from)
      for (const topic of deps.topics)
        for (const [p, o] of await offsetsForTime(kafka, topic, Date.parse(request.from)))
          from.set(partitionKey(topic, p), o);
    return [...ends.values()].map((e) => ({
      topic: e.topic,
      partition: e.partition,
      start: from.get(partitionKey(e.topic, e.partition)) ?? e.low,
      end: e.high,
      scanFrom: e.low,
    }));
  }

  const windowView = (w: readonly WindowPartition[]) =>
    Object.fromEntries(
      w.map((p) => [
        partitionKey(p.topic, p.partition),
        { start: p.start.toString(), end: p.end.toString() },
      ]),
    );

  /** Waits until the fan-out has read past a backfill's ends, so the case states know every admission. */
  async function untilFannedOut(window: readonly WindowPartition[], timeoutMs: number, alive = () => true) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const positions = await fannedOut();
      if (window.every((w) => (positions.get(partitionKey(w.topic, w.partition)) ?? 0n) >= w.end))
        return true;
      if (Date.now() > deadline || !alive()) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Cases whose access state names the organisation (any role, any status): a backfill's candidates. */
  async function candidateCases(oin: string, only: ReadonlySet<string> | null) {
    const rows = await sql<{ case_id: string }>`
      select case_id from dispatcher.case_access
      where (state->'deelnames') @> ${JSON.stringify([{ oin }])}::jsonb
      ${only ? sql`and case_id = any(${[...only]}::uuid[])` : sql``}`.execute(db);
    return new Set(rows.rows.map((r) => r.case_id));
  }

  const ranges = (
    window: readonly WindowPartition[],
    from: (w: WindowPartition) => bigint,
  ): PartitionRange[] =>
    window.map((w) => ({ topic: w.topic, partition: w.partition, from: from(w), to: w.end }));

  /** Folds a backfill's candidate cases over its window: their states (with positions) at its end. */
  async function foldBackfill(target: Target, window: readonly WindowPartition[], alive: () => boolean) {
    const candidates = await candidateCases(target.subscription.oin, target.cases);
    const folded = new Map<string, CountedCase>();
    if (candidates.size > 0) {
      await readRanges(
        kafka,
        ranges(window, (w) => w.scanFrom),
        async (_t, _p, records) => {
          foldForBackfill(records, candidates, folded, deps.access);
          return alive() ? 'continue' : 'stop';
        },
        { groupPrefix: deps.groupPrefix, alive, maxBytesPerPartition: deps.fetchBytes },
      );
    }
    const viewer = { oin: target.subscription.oin, roles: target.subscription.roles };
    const keep = backfillCases(folded, viewer);
    return new Map([...folded].filter(([id]) => keep.has(id)));
  }

  /** Counts what a job would deliver, per case, changing nothing. */
  async function dryRun(kind: 'replay' | 'backfill', target: Target, window: readonly WindowPartition[]) {
    const perCase = new Map<string, number>();
    let scanned = 0;
    const count = (deliveries: readonly NewDelivery[]) => {
      for (const d of deliveries) perCase.set(d.caseId, (perCase.get(d.caseId) ?? 0) + 1);
    };
    if (kind === 'replay') {
      const states = new Map<string, AccessState>();
      await readRanges(
        kafka,
        ranges(window, (w) => w.start),
        async (topic, partition, records) => {
          const first = records[0]?.offset;
          const decided = await decideReplay(records, target, deps.access, states, (ids) =>
            accessStatesBefore(db, { topic, partition, beforeOffset: first ?? '0' }, ids, deps.access),
          );
          scanned += decided.scanned;
          count(decided.deliveries);
          return 'continue';
        },
        { groupPrefix: deps.groupPrefix, maxBytesPerPartition: deps.fetchBytes },
      );
    } else {
      if (!(await untilFannedOut(window, 30_000))) {
        throw new AppError('unavailable', 'the fan-out is behind the end of the log; try again', {
          retryAfterS: 5,
        });
      }
      const ends = await foldBackfill(target, window, () => true);
      const runningFold = new Map<string, CountedCase>();
      const starts = new Map(window.map((w) => [partitionKey(w.topic, w.partition), w.start]));
      await readRanges(
        kafka,
        ranges(window, (w) => w.scanFrom),
        async (topic, partition, records) => {
          const decided = decideBackfill(
            records,
            target,
            deps.access,
            ends,
            runningFold,
            starts.get(partitionKey(topic, partition)) ?? 0n,
          );
          scanned += decided.scanned;
          count(decided.deliveries);
          return 'continue';
        },
        { groupPrefix: deps.groupPrefix, maxBytesPerPartition: deps.fetchBytes },
      );
    }
    const events = [...perCase.values()].reduce((a, b) => a + b, 0);
    return {
      dryRun: true as const,
      kind,
      window: windowView(window),
      scanned,
      events,
      perCase: [...perCase]
        .map(([caseId, n]) => ({ caseId, events: n }))
        .sort((a, b) => (a.caseId < b.caseId ? -1 : 1)),
    };
  }

  async function insertJob(
    trx: Trx,
    job: {
      id: string;
      subscriptionId: string | null;
      kind: ReplayKind;
      origin: string;
      phase: string;
      request: unknown;
    },
    window: readonly WindowPartition[],
    cases: ReadonlySet<string> | null,
  ) {
    await trx
      .insertInto('dispatcher.replays')
      .values({
        id: job.id,
        subscription_id: job.subscriptionId,
        kind: job.kind,
        origin: job.origin,
        status: 'running',
        phase: job.phase,
        request: JSON.stringify(job.request),
        error: null,
        lease_owner: null,
        lease_until: null,
        finished_at: null,
      })
      .execute();
    if (window.length === 0) return;
    await trx
      .insertInto('dispatcher.replay_partitions')
      .values(
        window.map((w) => ({
          replay_id: job.id,
          subscription_id: job.subscriptionId,
          topic: w.topic,
          partition: w.partition,
          start_offset: w.start.toString(),
          end_offset: w.end.toString(),
          next_offset: w.scanFrom.toString(),
          cases: cases ? [...cases] : null,
        })),
      )
      .execute();
  }

  // ---------------------------------------------------------------------------------------------
  // Running jobs

  class Lost extends Error {}

  /** Moves a partition's progress and the job's counters with the chunk's effects, under the lease. */
  async function commitChunk(
    trx: Trx,
    jobId: string,
    p: { topic: string; partition: number; from: bigint; to: bigint },
    counters: { matched: number; queued: number },
  ) {
    const moved = await sql`update dispatcher.replay_partitions set next_offset = ${p.to.toString()}::bigint
      where replay_id = ${jobId} and topic = ${p.topic} and partition = ${p.partition}
        and next_offset = ${p.from.toString()}::bigint`.execute(trx);
    const job = await sql`update dispatcher.replays
      set matched = matched + ${counters.matched}, queued = queued + ${counters.queued}, updated_at = now(),
        lease_until = now() + ${leaseMs} * interval '1 millisecond'
      where id = ${jobId} and status = 'running' and lease_owner = ${instance}`.execute(trx);
    // Cancelled, taken over, or the partition moved meanwhile: this chunk's effects roll back.
    if (Number(moved.numAffectedRows) !== 1 || Number(job.numAffectedRows) !== 1) throw new Lost('job lost');
  }

  async function progressOf(jobId: string) {
    return db.selectFrom('dispatcher.replay_partitions').selectAll().where('replay_id', '=', jobId).execute();
  }

  async function runJob(
    job: { id: string; kind: ReplayKind; subscription_id: string | null; request: unknown },
    isAlive: () => boolean,
  ) {
    let lost = false;
    const alive = () => !lost && isAlive();
    // A chunk that finds the job cancelled or taken over rolls back and ends the read: thrown out
    // of the handler it would be retried as a broken infrastructure's batch, for ever.
    const guard =
      (handler: RangeHandler): RangeHandler =>
      async (...args) => {
        try {
          return await handler(...args);
        } catch (error) {
          if (!(error instanceof Lost)) throw error;
          lost = true;
          return 'stop';
        }
      };
    const parts = await progressOf(job.id);
    const window: WindowPartition[] = parts.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      start: BigInt(p.start_offset),
      end: BigInt(p.end_offset),
      scanFrom: BigInt(p.next_offset),
    }));
    const next = new Map(parts.map((p) => [partitionKey(p.topic, p.partition), BigInt(p.next_offset)]));
    const setPhase = (phase: string) =>
      db
        .updateTable('dispatcher.replays')
        .set({ phase, updated_at: new Date() })
        .where('id', '=', job.id)
        .execute();

    if (job.kind === 'history') {
      await readRanges(
        kafka,
        ranges(window, (w) => w.scanFrom),
        guard(async (topic, partition, records, to) => {
          const key = partitionKey(topic, partition);
          const from = next.get(key) ?? 0n;
          await db.transaction().execute(async (trx) => {
            await storeAccessEvents(trx, accessEventsOf(records));
            await commitChunk(trx, job.id, { topic, partition, from, to }, { matched: 0, queued: 0 });
          });
          next.set(key, to);
          return alive() ? 'continue' : 'stop';
        }),
        { groupPrefix: deps.groupPrefix, alive, maxBytesPerPartition: deps.fetchBytes },
      );
      return;
    }

    /**
     * A chunk's deliveries queued and its progress moved in one transaction, then the barrier
     * lifted once its partition is read to the end. A chunk handed in again after its commit
     * (what came after the commit threw, and the reader retries the batch) is not queued or counted
     * twice: it is at or before the job's position, and only the barrier is lifted again.
     */
    const queueChunk = async (
      topic: string,
      partition: number,
      to: bigint,
      decide: (from: bigint) => Promise<NewDelivery[]> | NewDelivery[] | undefined,
      queue: (trx: Trx, replayId: string, deliveries: readonly NewDelivery[]) => Promise<number>,
    ): Promise<'continue' | 'stop'> => {
      const key = partitionKey(topic, partition);
      const from = next.get(key) ?? 0n;
      const deliveries = to <= from ? undefined : await decide(from);
      if (deliveries) {
        const queued = await db.transaction().execute(async (trx) => {
          const n = await queue(trx, job.id, deliveries);
          await commitChunk(
            trx,
            job.id,
            { topic, partition, from, to },
            { matched: deliveries.length, queued: n },
          );
          return n;
        });
        next.set(key, to);
        if (queued > 0) deps.onQueued(queued);
      }
      await liftBarrier(job, window, topic, partition, to);
      return alive() ? 'continue' : 'stop';
    };

    const subscription = job.subscription_id ? await loadSubscription(db, job.subscription_id) : undefined;
    if (!subscription) throw new Error('the subscription is gone');
    const request = job.request as { types?: string[]; cases?: string[] };
    const target = targetOf(subscription, request);

    if (job.kind === 'replay') {
      const states = new Map<string, AccessState>();
      await readRanges(
        kafka,
        ranges(window, (w) => w.scanFrom),
        guard((topic, partition, records, to) =>
          queueChunk(
            topic,
            partition,
            to,
            async (from) =>
              // A batch fetched again after such a failure may reach past the commit: only what is new.
              (
                await decideReplay(
                  records.filter((r) => BigInt(r.offset) >= from),
                  target,
                  deps.access,
                  states,
                  (ids) =>
                    accessStatesBefore(
                      db,
                      { topic, partition, beforeOffset: from.toString() },
                      ids,
                      deps.access,
                    ),
                )
              ).deliveries,
            queueReplayed,
          ),
        ),
        { groupPrefix: deps.groupPrefix, alive, maxBytesPerPartition: deps.fetchBytes },
      );
      return;
    }

    // Backfill: wait for the fan-out, fold the candidates, then deliver from the start of each log.
    await setPhase('waiting');
    while (!(await untilFannedOut(window, 5_000, alive))) {
      if (!alive()) return;
      await renew(job.id);
    }
    await setPhase('folding');
    const ends = await foldBackfill(target, window, alive);
    if (!alive()) return;
    await setPhase('queueing');
    const runningFold = new Map<string, CountedCase>();
    const folded = new Map<string, bigint>();
    const resumeAt = new Map(next);
    await readRanges(
      kafka,
      // From each partition's first record again: positions count from there.
      window.map((w) => ({ topic: w.topic, partition: w.partition, from: 0n, to: w.end })),
      guard(async (topic, partition, records, to) => {
        const key = partitionKey(topic, partition);
        const stored = resumeAt.get(key) ?? 0n;
        const w = window.find((x) => x.topic === topic && x.partition === partition);
        const queueFrom = w && w.start > stored ? w.start : stored;
        // Every record is folded once, also when a batch is handed in again or refetched longer.
        const fresh = records.filter((r) => BigInt(r.offset) >= (folded.get(key) ?? 0n));
        const decided = decideBackfill(fresh, target, deps.access, ends, runningFold, queueFrom);
        folded.set(key, to);
        if (to <= stored) return alive() ? 'continue' : 'stop';
        return queueChunk(topic, partition, to, () => decided.deliveries, queueBackfilled);
      }),
      { groupPrefix: deps.groupPrefix, alive, maxBytesPerPartition: deps.fetchBytes },
    );
  }

  /** A partition read to its end holds nothing back any more: the rows set aside behind it come forward. */
  async function liftBarrier(
    job: { subscription_id: string | null },
    window: readonly WindowPartition[],
    topic: string,
    partition: number,
    to: bigint,
  ) {
    const w = window.find((x) => x.topic === topic && x.partition === partition);
    if (job.subscription_id && w && to >= w.end) {
      await bringForward(db, { subscriptionId: job.subscription_id });
      deps.onQueued(0);
    }
  }

  async function renew(jobId: string) {
    const r =
      await sql`update dispatcher.replays set lease_until = now() + ${leaseMs} * interval '1 millisecond'
      where id = ${jobId} and status = 'running' and lease_owner = ${instance}`.execute(db);
    return Number(r.numAffectedRows) === 1;
  }

  async function finish(jobId: string, status: ReplayStatus, error?: string) {
    const r = await sql<{ subscription_id: string | null }>`update dispatcher.replays
      set status = ${status}, phase = null, finished_at = now(), updated_at = now(),
        error = ${error ?? null}, lease_owner = null, lease_until = null
      where id = ${jobId} and status = 'running' and lease_owner = ${instance}
      returning subscription_id`.execute(db);
    const subscriptionId = r.rows[0]?.subscription_id;
    if (subscriptionId) await bringForward(db, { subscriptionId });
  }

  /** Takes one runnable job: new, or its owner's lease ran out (a crashed or stopped instance). */
  async function claim() {
    const r = await sql<{ id: string; kind: ReplayKind; subscription_id: string | null; request: unknown }>`
      update dispatcher.replays set lease_owner = ${instance},
        lease_until = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
      where id = (select id from dispatcher.replays where status = 'running'
          and (lease_until is null or lease_until < now()) and not (id = any(${[...running.keys()]}::uuid[]))
        order by created_at limit 1 for update skip locked)
      returning id, kind, subscription_id, request`.execute(db);
    return r.rows[0];
  }

  function start(job: { id: string; kind: ReplayKind; subscription_id: string | null; request: unknown }) {
    let aborted = false;
    let lost = false;
    const alive = () => !aborted && !lost && !stopped;
    const heartbeat = setInterval(() => {
      void renew(job.id)
        .then((ok) => {
          if (!ok) lost = true;
        })
        .catch(() => undefined);
    }, leaseMs / 3);
    const done = (async () => {
      logger.info(
        { replayId: job.id, kind: job.kind, subscriptionId: job.subscription_id },
        'replay job running',
      );
      try {
        await runJob(job, alive);
        if (alive()) {
          await finish(job.id, 'done');
          const row = await db
            .selectFrom('dispatcher.replays')
            .select(['matched', 'queued'])
            .where('id', '=', job.id)
            .executeTakeFirst();
          logger.info(
            {
              replayId: job.id,
              kind: job.kind,
              subscriptionId: job.subscription_id,
              matched: Number(row?.matched),
              queued: Number(row?.queued),
            },
            'replay job done',
          );
        }
      } catch (error) {
        if (error instanceof Lost || lost) {
          logger.info({ replayId: job.id }, 'replay job cancelled or taken over; stopped here');
        } else if (stopped) {
          logger.info({ replayId: job.id }, 'replay job interrupted by shutdown; another start resumes it');
        } else {
          logger.error({ err: error, replayId: job.id }, 'replay job failed');
          await finish(job.id, 'failed', error instanceof Error ? error.message : String(error)).catch(
            () => undefined,
          );
        }
      } finally {
        clearInterval(heartbeat);
        running.delete(job.id);
      }
    })();
    running.set(job.id, { abort: () => (aborted = true), done });
  }

  async function poll() {
    timer = undefined;
    if (stopped) return;
    try {
      while (running.size < (deps.concurrency ?? 2)) {
        const job = await claim();
        if (!job) break;
        start(job);
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not look for replay jobs; trying again');
    }
    if (!stopped) timer = setTimeout(() => void poll(), deps.pollMs ?? 2_000);
  }

  const wake = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void poll(), 0);
  };

  // ---------------------------------------------------------------------------------------------
  // The API's side

  async function view(jobId: string) {
    const job = await db
      .selectFrom('dispatcher.replays')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!job) return undefined;
    const parts = await progressOf(jobId);
    let scanned = 0n;
    let total = 0n;
    const window: Record<string, { start: string; end: string; next: string }> = {};
    for (const p of parts) {
      const scanFrom = job.kind === 'backfill' ? 0n : BigInt(p.start_offset);
      total += BigInt(p.end_offset) - scanFrom;
      scanned += BigInt(p.next_offset) - scanFrom;
      window[partitionKey(p.topic, p.partition)] = {
        start: String(p.start_offset),
        end: String(p.end_offset),
        next: String(p.next_offset),
      };
    }
    return {
      id: job.id,
      subscriptionId: job.subscription_id,
      kind: job.kind,
      origin: job.origin,
      status: job.status,
      phase: job.phase,
      request: job.request,
      window,
      progress: {
        scanned: Number(scanned),
        total: Number(total),
        matched: Number(job.matched),
        queued: Number(job.queued),
        percent: total === 0n ? 100 : Math.floor(Number((scanned * 1000n) / total)) / 10,
      },
      error: job.error,
      createdAt: job.created_at.toISOString(),
      updatedAt: job.updated_at.toISOString(),
      finishedAt: job.finished_at?.toISOString() ?? null,
    };
  }

  async function subscriptionOrThrow(id: string) {
    const s = await loadSubscription(db, id);
    if (!s) throw new AppError('not-found', `no subscription with id ${id}`);
    return s;
  }

  return {
    start() {
      stopped = false;
      wake();
    },
    wake,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const mine = [...running.keys()];
      for (const r of running.values()) r.abort();
      await Promise.allSettled([...running.values()].map((r) => r.done));
      // Given back at once, so the next start (or another instance) resumes without waiting out the lease.
      if (mine.length > 0)
        await sql`update dispatcher.replays set lease_owner = null, lease_until = null
          where id = any(${mine}::uuid[]) and lease_owner = ${instance}`
          .execute(db)
          .catch(() => undefined);
    },

    async replay(subscriptionId: string, request: ReplayRequest) {
      const target = targetOf(await subscriptionOrThrow(subscriptionId), request);
      const window = await replayWindow(request);
      if (request.dryRun) return { dryRun: true as const, result: await dryRun('replay', target, window) };
      const id = randomUUID();
      const { dryRun: _d, ...stored } = request;
      await db
        .transaction()
        .execute((trx) =>
          insertJob(
            trx,
            { id, subscriptionId, kind: 'replay', origin: 'operator', phase: 'reading', request: stored },
            window,
            target.cases,
          ),
        );
      wake();
      return { dryRun: false as const, result: await view(id) };
    },

    async backfill(subscriptionId: string, request: BackfillRequest, origin = 'operator') {
      const target = targetOf(await subscriptionOrThrow(subscriptionId), request);
      const window = await backfillWindow(request);
      if (request.dryRun) return { dryRun: true as const, result: await dryRun('backfill', target, window) };
      const id = randomUUID();
      const { dryRun: _d, ...stored } = request;
      await db
        .transaction()
        .execute((trx) =>
          insertJob(
            trx,
            { id, subscriptionId, kind: 'backfill', origin, phase: 'waiting', request: stored },
            window,
            target.cases,
          ),
        );
      wake();
      return { dryRun: false as const, result: await view(id) };
    },

    /**
     * The backfill the registry's record asks for (at creation): started once, by the first
     * instance that reads the record (a unique index keeps the others out).
     */
    async backfillFromRecord(subscriptionId: string, from: string | null) {
      const exists = await db
        .selectFrom('dispatcher.replays')
        .select('id')
        .where('subscription_id', '=', subscriptionId)
        .where('origin', '=', 'registry')
        .executeTakeFirst();
      if (exists) return;
      const subscription = await loadSubscription(db, subscriptionId);
      if (!subscription?.queues) return;
      const request: BackfillRequest = { ...(from ? { from } : {}), dryRun: false };
      const target = targetOf(subscription, request);
      const window = await backfillWindow(request);
      const id = randomUUID();
      try {
        await db.transaction().execute((trx) =>
          insertJob(
            trx,
            {
              id,
              subscriptionId,
              kind: 'backfill',
              origin: 'registry',
              phase: 'waiting',
              request: { from },
            },
            window,
            target.cases,
          ),
        );
        logger.info({ subscriptionId, replayId: id }, 'backfill asked for by the registry started');
        wake();
      } catch (error) {
        // Another instance started it first (replays_registry_backfill).
        if ((error as { code?: string }).code !== '23505') throw error;
      }
    },

    view,

    async list(subscriptionId: string) {
      const rows = await db
        .selectFrom('dispatcher.replays')
        .select('id')
        .where('subscription_id', '=', subscriptionId)
        .orderBy('created_at', 'desc')
        .limit(100)
        .execute();
      const out = [];
      for (const r of rows) out.push(await view(r.id));
      return out;
    },

    /**
     * Stops a running job and withdraws the deliveries it queued that have not gone out yet
     * (status `cancelled`; they can be re-queued like parked ones are not: a new replay does it).
     */
    async cancel(subscriptionId: string, jobId: string) {
      const result = await db.transaction().execute(async (trx) => {
        const job = await trx
          .selectFrom('dispatcher.replays')
          .select(['status'])
          .where('id', '=', jobId)
          .where('subscription_id', '=', subscriptionId)
          .forUpdate()
          .executeTakeFirst();
        if (!job) return undefined;
        if (job.status !== 'running') return { changed: false, withdrawn: 0 };
        await trx
          .updateTable('dispatcher.replays')
          .set({
            status: 'cancelled',
            phase: null,
            finished_at: new Date(),
            updated_at: new Date(),
            lease_owner: null,
            lease_until: null,
          })
          .where('id', '=', jobId)
          .execute();
        const withdrawn = await trx
          .updateTable('dispatcher.deliveries')
          .set({ status: 'cancelled', last_error: `replay ${jobId} cancelled` })
          .where('replay_id', '=', jobId)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        await bringForward(trx, { subscriptionId });
        return { changed: true, withdrawn: Number(withdrawn.numUpdatedRows) };
      });
      if (!result) return undefined;
      running.get(jobId)?.abort();
      return { ...(await view(jobId)), withdrawn: result.withdrawn };
    },
  };
}
