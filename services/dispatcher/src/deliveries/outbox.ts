import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { DispatcherDatabase } from '../db';
import type { DeliveriesTable, DeliveryStatus } from './deliveries.table';
import { webhookId } from './signature';

type Db = Kysely<DispatcherDatabase> | Transaction<DispatcherDatabase>;

export interface NewDelivery {
  subscriptionId: string;
  caseId: string;
  eventSource: string;
  eventId: string;
  eventType: string;
  body: Buffer;
  traceparent: string | null;
  /** Where the event is in the log: the sender sends a case's pending rows in this order. */
  logTopic: string;
  logPartition: number;
  logOffset: string;
}

/** The rows as arrays for one `unnest` insert: one statement and a fixed number of parameters. */
function asArrays(deliveries: readonly NewDelivery[]) {
  return {
    subscriptions: deliveries.map((d) => d.subscriptionId),
    cases: deliveries.map((d) => d.caseId),
    sources: deliveries.map((d) => d.eventSource),
    ids: deliveries.map((d) => d.eventId),
    types: deliveries.map((d) => d.eventType),
    bodies: deliveries.map((d) => d.body),
    traceparents: deliveries.map((d) => d.traceparent),
    topics: deliveries.map((d) => d.logTopic),
    partitions: deliveries.map((d) => d.logPartition),
    offsets: deliveries.map((d) => d.logOffset),
  };
}

const insertRows = (deliveries: readonly NewDelivery[], replayId: string | null) => {
  const a = asArrays(deliveries);
  return sql`
    insert into dispatcher.deliveries (subscription_id, case_id, event_source, event_id, event_type, body,
      traceparent, log_topic, log_partition, log_offset, replay_id)
    select x.s, x.c, x.src, x.id, x.t, x.b, x.tp, x.lt, x.lp, x.lo, ${replayId}::uuid
    from unnest(${a.subscriptions}::uuid[], ${a.cases}::text[], ${a.sources}::text[], ${a.ids}::text[],
      ${a.types}::text[], ${a.bodies}::bytea[], ${a.traceparents}::text[], ${a.topics}::text[],
      ${a.partitions}::int[], ${a.offsets}::bigint[]) as x(s, c, src, id, t, b, tp, lt, lp, lo)
    order by x.lt, x.lp, x.lo`;
};

/** Queues deliveries; a (subscription, source, id) queued before is dropped. Returns how many are new. */
export async function queueDeliveries(db: Db, deliveries: readonly NewDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const result = await sql`${insertRows(deliveries, null)}
    on conflict (subscription_id, event_source, event_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * A replay's deliveries: new rows, and rows of the same event that were delivered, parked or
 * cancelled before are opened again (pending, attempts from 0, the replay's id). A row still
 * pending is left alone: it goes out anyway, once. Returns how many rows became pending.
 */
export async function queueReplayed(db: Db, replayId: string, deliveries: readonly NewDelivery[]) {
  if (deliveries.length === 0) return 0;
  const result = await sql`${insertRows(deliveries, replayId)}
    on conflict (subscription_id, event_source, event_id) do update
    set status = 'pending', next_attempt_at = now(), attempts = 0, requeued_at = now(),
      replay_id = excluded.replay_id, log_topic = excluded.log_topic,
      log_partition = excluded.log_partition, log_offset = excluded.log_offset, last_error = null
    where dispatcher.deliveries.status <> 'pending'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** A backfill's deliveries: like live fan-out, an event queued before (live or earlier) is not queued again. */
export async function queueBackfilled(db: Db, replayId: string, deliveries: readonly NewDelivery[]) {
  if (deliveries.length === 0) return 0;
  const result = await sql`${insertRows(deliveries, replayId)}
    on conflict (subscription_id, event_source, event_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  caseId: string;
  eventSource: string;
  eventId: string;
  eventType: string;
  body: Buffer;
  traceparent: string | null;
  /** Attempts made before this one. */
  attempts: number;
  /** When the delivery was queued, or last re-queued or replayed: the give-up clock starts there. */
  queuedAt: Date;
  url: string;
  secretVersion: number;
  previousSecretValidUntil: Date | null;
  /** WebHook-Allowed-Rate of the receiver, requests per minute; null: none. */
  allowedRate: number | null;
  /** `cloudevents`, or `zgw`: the sender builds a Notificaties API 1.0 body from the stored event. */
  format: 'cloudevents' | 'zgw';
  /** The receiver's Authorization value, sealed (opened only to send); null: none. */
  authSealed: string | null;
  /** The subscriber's organisation and roles: whose local case number a ZGW body names. */
  oin: string;
  roles: readonly string[];
}

/** How many rows a claim may take per subscription (the sender's estimate of its demand, within its free slots). */
export interface ClaimCapacity {
  /** Subscriptions with a window of their own; 0 skips one. */
  perSubscription: ReadonlyMap<string, number>;
  /** For subscriptions not in the map. */
  otherwise: number;
}

/**
 * Claims up to `limit` deliveries that are due and at the head of their (subscription, chain case)
 * queue: no pending delivery of the same subscription and case comes before it in the log,
 * whether it waits for a retry, is being sent by another instance right now, or was queued later by
 * a replay. That keeps per-case order whatever queued the rows. Also held back: rows of a
 * subscription a running replay or backfill may still queue older events before (its partition
 * not scanned up to the row yet; dispatcher.replay_partitions).
 *
 * Per sendable subscription it looks at its first few due rows (index order, as many as the
 * sender's `capacity` says), round robin across subscriptions: one receiver's backlog neither
 * starves the others nor makes the claim scan it.
 * A looked-at row that is not a head is set aside (`waiting_for_head`, due again in 10 minutes as a
 * safety net): the row before it is in flight or waits for a retry, and when that one leaves the
 * queue, settling it brings the rows of its case forward again (settleMany). Without that, a busy
 * case's later rows would stay first in line and every claim would look at them again.
 *
 * The claim is a lease, not a held transaction: `next_attempt_at` moves `leaseMs` ahead, so no
 * instance (this or another) claims the row again while it is being sent, and a crashed sender's
 * rows become due again when the lease ends (at least once). FOR UPDATE SKIP LOCKED keeps two
 * instances claiming at the same moment off each other's rows.
 *
 * Runs: with `runLength` > 1 each head comes with up to `runLength - 1` of the rows after it in its
 * (subscription, case), in log order, leased with it, whether due or set aside: the sender sends
 * them one after another, each once the one before was delivered, without a settlement and a claim
 * in between (the cycle that bounded one case's throughput). The run stops before the first row
 * that is locked elsewhere or behind a replay's barrier, so it never skips one. Returned as runs,
 * each head first; a run of one is a head alone.
 */
export async function claimDue(
  db: Db,
  limit: number,
  leaseMs: number,
  capacity: ClaimCapacity = { perSubscription: new Map(), otherwise: limit },
  runLength = 1,
): Promise<ClaimedDelivery[][]> {
  const ids = [...capacity.perSubscription.keys()];
  const ks = ids.map((id) => capacity.perSubscription.get(id) ?? 0);
  const rows = await sql<{
    head_id: string;
    rn: string;
    id: string;
    subscription_id: string;
    case_id: string;
    event_source: string;
    event_id: string;
    event_type: string;
    body: Buffer;
    traceparent: string | null;
    attempts: number;
    queued_at: Date;
    url: string;
    secret_version: number;
    previous_secret_valid_until: Date | null;
    allowed_rate: number | null;
    format: string;
    auth_sealed: string | null;
    oin: string;
    roles: string[] | null;
  }>`
    with subs as (
      select s.id, s.url, s.secret_version, s.previous_secret_valid_until, s.allowed_rate,
        s.format, s.auth_sealed, s.oin, s.roles,
        least(coalesce(x.k, ${capacity.otherwise}), ${limit}) as k
      from dispatcher.subscriptions s
      left join unnest(${ids}::uuid[], ${ks}::int[]) as x(id, k) on x.id = s.id
      where s.status = 'active' and not s.system_revoked and s.stopped_at is null
        and (s.backoff_until is null or s.backoff_until <= now())
    ),
    candidates as (
      select c.*, subs.k from subs cross join lateral (
        select d.id, d.subscription_id, d.case_id, d.log_topic, d.log_partition, d.log_offset, d.next_attempt_at
        from dispatcher.deliveries d
        where d.subscription_id = subs.id and d.status = 'pending' and d.next_attempt_at <= now()
        order by d.next_attempt_at, d.id
        -- As many again to spare for rows that turn out not to be heads (they are set aside).
        limit subs.k * 2 + 2
        for update of d skip locked
      ) c
      where subs.k > 0
    ),
    judged as (
      select c.*, (
        not exists (
          select 1 from dispatcher.deliveries e
          where e.subscription_id = c.subscription_id and e.case_id = c.case_id
            and e.status = 'pending' and (e.log_offset, e.id) < (c.log_offset, c.id))
        and not exists (
          select 1 from dispatcher.replay_partitions b
          join dispatcher.replays r on r.id = b.replay_id and r.status = 'running'
          where b.subscription_id = c.subscription_id and b.topic = c.log_topic
            and b.partition = c.log_partition and b.next_offset < b.end_offset
            and b.next_offset <= c.log_offset and (b.cases is null or c.case_id = any(b.cases)))
      ) as head
      from candidates c
    ),
    ranked as (
      select id, k, next_attempt_at,
        row_number() over (partition by subscription_id order by next_attempt_at, id) as rank
      from judged where head
    ),
    picked as (
      select id from ranked where rank <= k order by rank, next_attempt_at, id limit ${limit}
    ),
    -- The rows after each picked head in its case, in log order (not locked yet).
    next_rows as (
      select h.id as head_id, f.id, f.log_topic, f.log_partition, f.log_offset, f.case_id,
        f.subscription_id, f.rn
      from picked p
      join judged h on h.id = p.id
      cross join lateral (
        select e.id, e.log_topic, e.log_partition, e.log_offset, e.case_id, e.subscription_id,
          row_number() over (order by e.log_offset, e.id) as rn
        from dispatcher.deliveries e
        where ${runLength} > 1 and e.subscription_id = h.subscription_id and e.case_id = h.case_id
          and e.status = 'pending' and (e.log_offset, e.id) > (h.log_offset, h.id)
        order by e.log_offset, e.id
        limit ${runLength - 1}
      ) f
    ),
    next_locked as (
      select d.id from dispatcher.deliveries d
      where d.id in (select id from next_rows)
      for update skip locked
    ),
    -- A run ends before its first row locked by someone else or held back by a replay's barrier.
    next_blocked as (
      select n.head_id, min(n.rn) as rn from next_rows n
      where n.id not in (select id from next_locked) or exists (
        select 1 from dispatcher.replay_partitions b
        join dispatcher.replays r on r.id = b.replay_id and r.status = 'running'
        where b.subscription_id = n.subscription_id and b.topic = n.log_topic
          and b.partition = n.log_partition and b.next_offset < b.end_offset
          and b.next_offset <= n.log_offset and (b.cases is null or n.case_id = any(b.cases)))
      group by n.head_id
    ),
    taken as (
      select id as head_id, id, 0::bigint as rn from picked
      union all
      select n.head_id, n.id, n.rn from next_rows n
      left join next_blocked x on x.head_id = n.head_id
      where x.rn is null or n.rn < x.rn
    ),
    -- The rows before the non-heads, locked: a row is set aside only behind a head whose
    -- settlement has to wait for this claim to commit, and so comes after it and brings the row
    -- forward again. A head being settled right now (locked) is skipped, not waited for (waiting
    -- would deadlock with a settlement of several rows), and the row behind it stays due: the
    -- next claim looks at it again. Without the lock the two could cross and leave the row aside
    -- with nothing to wake it but the safety net.
    before_them as (
      -- Per row one lookup in the (subscription, case, log position) index: a plan that joined
      -- the whole outbox would cost more than everything else of the claim.
      select b.* from judged j cross join lateral (
        select e.subscription_id, e.case_id, e.log_offset, e.id
        from dispatcher.deliveries e
        where e.subscription_id = j.subscription_id and e.case_id = j.case_id
          and e.status = 'pending' and (e.log_offset, e.id) < (j.log_offset, j.id)
        order by e.log_offset, e.id
        limit 1
        for share of e skip locked
      ) b
      where not j.head
    ),
    aside as (
      update dispatcher.deliveries d
      set waiting_for_head = true, next_attempt_at = now() + interval '10 minutes'
      from judged j
      where d.id = j.id and not j.head and j.id not in (select id from taken) and exists (
        select 1 from before_them b
        where b.subscription_id = j.subscription_id and b.case_id = j.case_id
          and (b.log_offset, b.id) < (j.log_offset, j.id))
      returning d.id
    )
    update dispatcher.deliveries d
    set next_attempt_at = now() + ${leaseMs} * interval '1 millisecond', waiting_for_head = false
    from taken, subs
    where d.id = taken.id and subs.id = d.subscription_id
    returning taken.head_id, taken.rn, d.id, d.subscription_id, d.case_id, d.event_source, d.event_id, d.event_type, d.body,
      d.traceparent, d.attempts, coalesce(d.requeued_at, d.created_at) as queued_at,
      subs.url, subs.secret_version, subs.previous_secret_valid_until, subs.allowed_rate,
      subs.format, subs.auth_sealed, subs.oin, subs.roles`.execute(db);
  const runs = new Map<string, { rn: number; delivery: ClaimedDelivery }[]>();
  for (const r of rows.rows) {
    const delivery: ClaimedDelivery = {
      id: String(r.id),
      subscriptionId: r.subscription_id,
      caseId: r.case_id,
      eventSource: r.event_source,
      eventId: r.event_id,
      eventType: r.event_type,
      body: r.body,
      traceparent: r.traceparent,
      attempts: r.attempts,
      queuedAt: r.queued_at,
      url: r.url,
      secretVersion: r.secret_version,
      previousSecretValidUntil: r.previous_secret_valid_until,
      allowedRate: r.allowed_rate,
      format: r.format === 'zgw' ? ('zgw' as const) : ('cloudevents' as const),
      authSealed: r.auth_sealed,
      oin: r.oin,
      roles: r.roles ?? [],
    };
    const run = runs.get(String(r.head_id)) ?? [];
    run.push({ rn: Number(r.rn), delivery });
    runs.set(String(r.head_id), run);
  }
  return [...runs.entries()]
    .sort(([a], [b]) => Number(BigInt(a) - BigInt(b)))
    .map(([, run]) => run.sort((a, b) => a.rn - b.rn).map((x) => x.delivery));
}

/**
 * Brings the rows set aside behind a head forward again (claimDue): the head left the queue, or a
 * replay's barrier on them was lifted.
 */
/**
 * A row brought forward is due from when it was queued (or re-queued), not from now: in the claim's
 * order (next_attempt_at, id) it goes before rows queued after it, instead of behind every row that
 * came due meanwhile, which would each be looked at, and set aside, before it.
 */
const dueAgain = sql`least(now(), coalesce(d.requeued_at, d.created_at))`;

export async function bringForward(
  db: Db,
  where: { pairs?: readonly { subscriptionId: string; caseId: string }[]; subscriptionId?: string },
): Promise<void> {
  if (where.pairs && where.pairs.length > 0) {
    // Locked in id order first: settlements running side by side (two writers of one sender, or
    // two instances) often share a case's rows, and locks taken in the join's order deadlocked.
    await sql`with aside as (
        select d.id from dispatcher.deliveries d
        join unnest(${where.pairs.map((p) => p.subscriptionId)}::uuid[], ${where.pairs.map((p) => p.caseId)}::text[])
          as x(s, c) on d.subscription_id = x.s and d.case_id = x.c
        where d.status = 'pending' and d.waiting_for_head
        order by d.id
        for update of d
      )
      update dispatcher.deliveries d set waiting_for_head = false, next_attempt_at = ${dueAgain}
      from aside where d.id = aside.id`.execute(db);
  }
  if (where.subscriptionId) {
    await sql`update dispatcher.deliveries d set waiting_for_head = false, next_attempt_at = ${dueAgain}
      where subscription_id = ${where.subscriptionId} and status = 'pending' and waiting_for_head`.execute(
      db,
    );
  }
}

/**
 * Gives claimed rows back without an attempt (this instance's per-subscription limit or the
 * receiver's allowed rate says not now): due again at `at`.
 */
export async function releaseClaimed(db: Db, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await sql`update dispatcher.deliveries set next_attempt_at = ${at}
    where id = any(${[...ids]}::bigint[]) and status = 'pending'`.execute(db);
}

/** What became of one attempt, as stored. */
export type Settlement =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; reason: string; delayMs: number; receiverWide: boolean }
  | { kind: 'gone'; status: number; reason: string }
  | { kind: 'failed'; status: number | null; reason: string; stopSubscription?: string };

export interface SettledAttempt {
  delivery: ClaimedDelivery;
  settlement: Settlement;
  at: Date;
}

/**
 * Stores attempts' outcomes on the deliveries and the subscriptions' delivery state, many in one
 * transaction: under load the sender settles what finished meanwhile together, one statement for
 * all successes (the common case) and one for their subscriptions.
 */
export async function settleMany(
  db: Kysely<DispatcherDatabase>,
  attempts: readonly SettledAttempt[],
): Promise<{ stopped: { subscriptionId: string; reason: 'gone' | 'paused-by-failures' }[] }> {
  if (attempts.length === 0) return { stopped: [] };
  // Rows and subscriptions in one order in every settlement, so two side by side wait for each
  // other instead of deadlocking; a deadlock that happens anyway (PostgreSQL ends one of the two)
  // is retried: the verdicts are the same whenever they are stored.
  const sorted = [...attempts].sort((a, b) =>
    a.delivery.subscriptionId === b.delivery.subscriptionId
      ? Number(BigInt(a.delivery.id) - BigInt(b.delivery.id))
      : a.delivery.subscriptionId < b.delivery.subscriptionId
        ? -1
        : 1,
  );
  for (let tries = 1; ; tries++) {
    try {
      return await settleOnce(db, sorted);
    } catch (error) {
      if (tries >= 3 || (error as { code?: string }).code !== '40P01') throw error;
    }
  }
}

async function settleOnce(
  db: Kysely<DispatcherDatabase>,
  attempts: readonly SettledAttempt[],
): Promise<{ stopped: { subscriptionId: string; reason: 'gone' | 'paused-by-failures' }[] }> {
  const stopped: { subscriptionId: string; reason: 'gone' | 'paused-by-failures' }[] = [];
  await db.transaction().execute(async (trx) => {
    const delivered = attempts.filter((a) => a.settlement.kind === 'delivered');
    if (delivered.length > 0) {
      await sql`update dispatcher.deliveries d
        set status = 'delivered', delivered_at = x.at, last_attempt_at = x.at, last_status = x.status,
          last_error = null, attempts = d.attempts + 1
        from unnest(${delivered.map((a) => a.delivery.id)}::bigint[], ${delivered.map((a) => (a.settlement as { status: number }).status)}::int[],
          ${delivered.map((a) => a.at)}::timestamptz[]) as x(id, status, at)
        where d.id = x.id and d.status = 'pending'`.execute(trx);
      const subscriptions = [...new Set(delivered.map((a) => a.delivery.subscriptionId))].sort();
      // At most once a second per subscription: under load every settlement would rewrite the same
      // rows otherwise, for a timestamp nobody reads that precisely.
      await sql`update dispatcher.subscriptions set last_success_at = now(), backoff_until = null
        where id = any(${subscriptions}::uuid[])
          and (last_success_at is null or last_success_at < now() - interval '1 second'
            or backoff_until is not null)`.execute(trx);
    }
    for (const a of attempts) {
      if (a.settlement.kind === 'delivered') continue;
      const reason = await settleOne(trx, a);
      if (reason) stopped.push({ subscriptionId: a.delivery.subscriptionId, reason });
    }
    // The rows set aside behind these heads are next in line now.
    const left = attempts.filter((a) => a.settlement.kind === 'delivered' || a.settlement.kind === 'failed');
    // Once per (subscription, case): with runs, many of a batch's rows share one.
    const pairs = new Map(
      left.map((a) => [
        `${a.delivery.subscriptionId} ${a.delivery.caseId}`,
        { subscriptionId: a.delivery.subscriptionId, caseId: a.delivery.caseId },
      ]),
    );
    await bringForward(trx, { pairs: [...pairs.values()] });
  });
  return { stopped };
}

async function settleOne(
  trx: Transaction<DispatcherDatabase>,
  { delivery: d, settlement: s, at }: SettledAttempt,
) {
  const delivery = trx
    .updateTable('dispatcher.deliveries')
    .where('id', '=', d.id)
    .where('status', '=', 'pending');
  const subscription = trx.updateTable('dispatcher.subscriptions').where('id', '=', d.subscriptionId);
  const attempt = { attempts: d.attempts + 1, last_attempt_at: at };
  // Only the first stop counts: several deliveries failing together report one stop, one alert.
  const stop = async (reason: string) =>
    Number(
      (
        await trx
          .updateTable('dispatcher.subscriptions')
          .set({ stopped_at: at, stopped_reason: reason })
          .where('id', '=', d.subscriptionId)
          .where('stopped_at', 'is', null)
          .executeTakeFirst()
      ).numUpdatedRows,
    ) > 0;
  const error = (reason: string) => ({ last_error_at: at, last_error: reason });
  switch (s.kind) {
    case 'delivered':
      return undefined;
    case 'retry': {
      const next = new Date(at.getTime() + s.delayMs);
      await delivery
        .set({ ...attempt, next_attempt_at: next, last_status: s.status, last_error: s.reason })
        .execute();
      await subscription
        .set({ ...error(s.reason), ...(s.receiverWide ? { backoff_until: next } : {}) })
        .execute();
      return undefined;
    }
    case 'gone':
      // The delivery stays pending: after the operator resumes, it goes out first, in order.
      await delivery
        .set({ ...attempt, next_attempt_at: at, last_status: s.status, last_error: s.reason })
        .execute();
      await subscription.set(error(s.reason)).execute();
      return (await stop(s.reason)) ? 'gone' : undefined;
    case 'failed':
      await delivery
        .set({ ...attempt, status: 'failed', last_status: s.status, last_error: s.reason })
        .execute();
      await subscription.set(error(s.reason)).execute();
      return s.stopSubscription && (await stop(s.stopSubscription)) ? 'paused-by-failures' : undefined;
  }
}

/**
 * Failed (parked) deliveries back into the queue: all of the subscription's, or the given ids.
 * With `dryRun` it only counts what it would re-queue.
 */
export async function countFailed(db: Db, subscriptionId: string, ids?: readonly string[]): Promise<number> {
  let query = db
    .selectFrom('dispatcher.deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'failed');
  if (ids) query = query.where('id', 'in', ids.length > 0 ? [...ids] : ['0']);
  return Number((await query.executeTakeFirst())?.n ?? 0);
}

/** Failed deliveries back into the queue (all of the subscription's, or the given ids). */
export async function requeueFailed(
  db: Db,
  subscriptionId: string,
  ids?: readonly string[],
): Promise<number> {
  let query = db
    .updateTable('dispatcher.deliveries')
    .set({ status: 'pending', next_attempt_at: new Date(), requeued_at: new Date(), attempts: 0 })
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'failed');
  if (ids) query = query.where('id', 'in', ids.length > 0 ? [...ids] : ['0']);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

const deliveryColumns = [
  'id',
  'subscription_id',
  'case_id',
  'event_source',
  'event_id',
  'event_type',
  'status',
  'attempts',
  'next_attempt_at',
  'last_status',
  'last_error',
  'created_at',
  'requeued_at',
  'last_attempt_at',
  'delivered_at',
  'log_topic',
  'log_partition',
  'log_offset',
  'replay_id',
] as const;

type DeliveryView = Pick<Selectable<DeliveriesTable>, (typeof deliveryColumns)[number]>;

/** The operator's view of one delivery: ids, types, state, place in the log; never the body. */
function toView(r: DeliveryView) {
  return {
    id: String(r.id),
    webhookId: webhookId(r.subscription_id, r.event_source, r.event_id),
    caseId: r.case_id,
    eventSource: r.event_source,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    requeuedAt: r.requeued_at?.toISOString() ?? null,
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    deliveredAt: r.delivered_at?.toISOString() ?? null,
    log:
      r.log_topic === null || Number(r.log_offset) < 0
        ? null
        : { topic: r.log_topic, partition: r.log_partition, offset: String(r.log_offset) },
    replayId: r.replay_id,
  };
}

export async function listDeliveries(
  db: Db,
  subscriptionId: string,
  filter: { status: DeliveryStatus; limit: number; afterId?: string },
) {
  let query = db
    .selectFrom('dispatcher.deliveries')
    .select(deliveryColumns)
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', filter.status)
    .orderBy('id')
    .limit(filter.limit);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  return (await query.execute()).map(toView);
}

export async function getDelivery(db: Db, subscriptionId: string, id: string) {
  const row = await db
    .selectFrom('dispatcher.deliveries')
    .select(deliveryColumns)
    .where('subscription_id', '=', subscriptionId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toView(row) : undefined;
}

/** The operator's view of one subscription: registry state, delivery state, queue counts. */
export async function subscriptionStatus(db: Db, subscriptionId: string) {
  return (await subscriptionsOverview(db, subscriptionId))[0];
}

/**
 * Every subscription (or one) with its queue: pending, parked (failed) and delivered counts, last
 * success and error, stop and backoff state, running replays. One grouped scan of the outbox.
 */
export async function subscriptionsOverview(db: Db, onlyId?: string) {
  const rows = await sql<{
    id: string;
    system_id: string;
    oin: string;
    url: string;
    types: string[];
    roles: string[] | null;
    status: string;
    system_revoked: boolean;
    allowed_rate: number | null;
    format: string;
    auth_set: boolean;
    stopped_at: Date | null;
    stopped_reason: string | null;
    backoff_until: Date | null;
    last_success_at: Date | null;
    last_error_at: Date | null;
    last_error: string | null;
    pending: string | null;
    failed: string | null;
    delivered: string | null;
    cancelled: string | null;
    oldest_pending_at: Date | null;
    replays_running: string;
  }>`
    select s.id, s.system_id, s.oin, s.url, s.types, s.roles, s.status, s.system_revoked, s.allowed_rate,
      s.format, s.auth_sealed is not null as auth_set, s.stopped_at, s.stopped_reason, s.backoff_until, s.last_success_at, s.last_error_at, s.last_error,
      c.pending, c.failed, c.delivered, c.cancelled, c.oldest_pending_at,
      (select count(*) from dispatcher.replays r where r.subscription_id = s.id and r.status = 'running')
        as replays_running
    from dispatcher.subscriptions s
    left join (
      select subscription_id,
        count(*) filter (where status = 'pending') as pending,
        count(*) filter (where status = 'failed') as failed,
        count(*) filter (where status = 'delivered') as delivered,
        count(*) filter (where status = 'cancelled') as cancelled,
        min(created_at) filter (where status = 'pending') as oldest_pending_at
      from dispatcher.deliveries
      ${onlyId ? sql`where subscription_id = ${onlyId}` : sql``}
      group by subscription_id
    ) c on c.subscription_id = s.id
    ${onlyId ? sql`where s.id = ${onlyId}` : sql``}
    order by s.id`.execute(db);
  return rows.rows.map((s) => ({
    id: s.id,
    systemId: s.system_id,
    oin: s.oin,
    url: s.url,
    types: s.types,
    roles: s.roles,
    status: s.status,
    systemRevoked: s.system_revoked,
    allowedRate: s.allowed_rate,
    // Whether an Authorization value is registered; never the value, sealed or not.
    format: s.format,
    authSet: s.auth_set,
    stoppedAt: s.stopped_at?.toISOString() ?? null,
    stoppedReason: s.stopped_reason,
    backoffUntil: s.backoff_until?.toISOString() ?? null,
    pending: Number(s.pending ?? 0),
    failed: Number(s.failed ?? 0),
    delivered: Number(s.delivered ?? 0),
    cancelled: Number(s.cancelled ?? 0),
    oldestPendingAt: s.oldest_pending_at?.toISOString() ?? null,
    replaysRunning: Number(s.replays_running),
    lastSuccessAt: s.last_success_at?.toISOString() ?? null,
    lastError: s.last_error_at ? { at: s.last_error_at.toISOString(), reason: s.last_error } : null,
  }));
}

/** Clears a receiver's 410 stop and any backoff: the operator's "resume delivering". */
export async function resumeSubscription(db: Db, subscriptionId: string): Promise<boolean> {
  const result = await db
    .updateTable('dispatcher.subscriptions')
    .set({ stopped_at: null, stopped_reason: null, backoff_until: null })
    .where('id', '=', subscriptionId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Subscriptions stopped by the dispatcher (410, paused by failures), for the alert gauge. */
export async function stoppedCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('dispatcher.subscriptions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('stopped_at', 'is not', null)
    .where('status', '<>', 'deleted')
    .where('system_revoked', '=', false)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Queue sizes for the metrics gauge. */
export async function queueCounts(db: Db) {
  const rows = await db
    .selectFrom('dispatcher.deliveries')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', 'in', ['pending', 'failed'])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Partial<Record<string, number>>;
}

/**
 * Deletes deliveries that were delivered longer than `olderThanMs` ago, at most `limit` rows per
 * call (the caller repeats while it returns `limit`): the outbox keeps every body, and delivered
 * ones have no use after a while. Pending and failed rows are never purged. A purged event that is
 * read again from Kafka (only a rebuild from older positions does that) is queued once more: a
 * repeat the receiver drops by source + id, as with any at-least-once delivery.
 */
export async function purgeDelivered(db: Db, olderThanMs: number, limit: number): Promise<number> {
  const result = await sql`
    delete from dispatcher.deliveries where id in (
      select id from dispatcher.deliveries
      where status = 'delivered' and delivered_at < now() - ${olderThanMs} * interval '1 millisecond'
      limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
