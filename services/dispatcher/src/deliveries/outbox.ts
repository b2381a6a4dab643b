import { type Kysely, sql, type Transaction } from 'kysely';
import type { DispatcherDatabase } from '../db';

type Db = Kysely<DispatcherDatabase> | Transaction<DispatcherDatabase>;

export interface NewDelivery {
  subscriptionId: string;
  caseId: string;
  eventSource: string;
  eventId: string;
  eventType: string;
  body: Buffer;
  traceparent: string | null;
}

/** Queues deliveries; a (subscription, source, id) queued before is dropped. Returns how many are new. */
export async function queueDeliveries(db: Db, deliveries: readonly NewDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const result = await db
    .insertInto('dispatcher.deliveries')
    .values(
      deliveries.map((d) => ({
        subscription_id: d.subscriptionId,
        case_id: d.caseId,
        event_source: d.eventSource,
        event_id: d.eventId,
        event_type: d.eventType,
        body: d.body,
        traceparent: d.traceparent,
      })),
    )
    .onConflict((oc) => oc.columns(['subscription_id', 'event_source', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  caseId: string;
  eventId: string;
  eventType: string;
  body: Buffer;
  traceparent: string | null;
  attempts: number;
  /** When the delivery was queued, or last re-queued by the operator: the give-up clock starts there. */
  queuedAt: Date;
  url: string;
  secretVersion: number;
  previousSecretValidUntil: Date | null;
}

/**
 * Claims up to `limit` deliveries that are due and at the head of their (subscription, chain case)
 * queue: no earlier delivery of the same subscription and case is still pending, whether it waits
 * for a retry or is being sent by another instance right now. That keeps per-case order.
 *
 * The claim is a lease, not a held transaction: `next_attempt_at` moves `leaseMs` ahead, so no
 * instance (this or another) claims the row again while it is being sent, and a crashed sender's
 * rows become due again when the lease ends (at least once). FOR UPDATE SKIP LOCKED keeps two
 * instances claiming at the same moment off each other's rows; a row another instance has just
 * leased no longer matches `next_attempt_at <= now()` when re-checked after its lock.
 */
export async function claimDue(db: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const rows = await sql<{
    id: string;
    subscription_id: string;
    case_id: string;
    event_id: string;
    event_type: string;
    body: Buffer;
    traceparent: string | null;
    attempts: number;
    queued_at: Date;
    url: string;
    secret_version: number;
    previous_secret_valid_until: Date | null;
  }>`
    with heads as (
      select d.id
      from dispatcher.deliveries d
      join dispatcher.subscriptions s on s.id = d.subscription_id
      where d.status = 'pending' and d.next_attempt_at <= now()
        and s.status = 'active' and not s.system_revoked and s.stopped_at is null
        and (s.backoff_until is null or s.backoff_until <= now())
        and not exists (
          select 1 from dispatcher.deliveries e
          where e.subscription_id = d.subscription_id and e.case_id = d.case_id
            and e.status = 'pending' and e.id < d.id)
      order by d.next_attempt_at, d.id
      limit ${limit}
      for update of d skip locked
    )
    update dispatcher.deliveries d
    set next_attempt_at = now() + ${leaseMs} * interval '1 millisecond',
        attempts = d.attempts + 1, last_attempt_at = now()
    from heads, dispatcher.subscriptions s
    where d.id = heads.id and s.id = d.subscription_id
    returning d.id, d.subscription_id, d.case_id, d.event_id, d.event_type, d.body, d.traceparent,
      d.attempts, coalesce(d.requeued_at, d.created_at) as queued_at,
      s.url, s.secret_version, s.previous_secret_valid_until`.execute(db);
  return rows.rows
    .map((r) => ({
      id: String(r.id),
      subscriptionId: r.subscription_id,
      caseId: r.case_id,
      eventId: r.event_id,
      eventType: r.event_type,
      body: r.body,
      traceparent: r.traceparent,
      attempts: r.attempts,
      queuedAt: r.queued_at,
      url: r.url,
      secretVersion: r.secret_version,
      previousSecretValidUntil: r.previous_secret_valid_until,
    }))
    .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

/** What became of one attempt, as stored. */
export type Settlement =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; reason: string; delayMs: number; receiverWide: boolean }
  | { kind: 'gone'; status: number; reason: string }
  | { kind: 'failed'; status: number | null; reason: string };

/** Stores an attempt's outcome on the delivery and the subscription's delivery state, in one transaction. */
export async function settle(
  db: Kysely<DispatcherDatabase>,
  d: ClaimedDelivery,
  s: Settlement,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const delivery = trx
      .updateTable('dispatcher.deliveries')
      .where('id', '=', d.id)
      .where('status', '=', 'pending');
    const subscription = trx.updateTable('dispatcher.subscriptions').where('id', '=', d.subscriptionId);
    const error = (reason: string) => ({ last_error_at: new Date(), last_error: reason });
    switch (s.kind) {
      case 'delivered':
        await delivery
          .set({ status: 'delivered', delivered_at: new Date(), last_status: s.status, last_error: null })
          .execute();
        await subscription.set({ last_success_at: new Date(), backoff_until: null }).execute();
        return;
      case 'retry': {
        const next = new Date(Date.now() + s.delayMs);
        await delivery.set({ next_attempt_at: next, last_status: s.status, last_error: s.reason }).execute();
        await subscription
          .set({ ...error(s.reason), ...(s.receiverWide ? { backoff_until: next } : {}) })
          .execute();
        return;
      }
      case 'gone':
        // The delivery stays pending: after the operator resumes, it goes out first, in order.
        await delivery
          .set({ next_attempt_at: new Date(), last_status: s.status, last_error: s.reason })
          .execute();
        await subscription
          .set({ ...error(s.reason), stopped_at: new Date(), stopped_reason: s.reason })
          .execute();
        return;
      case 'failed':
        await delivery.set({ status: 'failed', last_status: s.status, last_error: s.reason }).execute();
        await subscription.set(error(s.reason)).execute();
        return;
    }
  });
}

/** Failed deliveries back into the queue (all of the subscription's, or the given ids). */
export async function requeueFailed(
  db: Db,
  subscriptionId: string,
  ids?: readonly string[],
): Promise<number> {
  let query = db
    .updateTable('dispatcher.deliveries')
    .set({ status: 'pending', next_attempt_at: new Date(), requeued_at: new Date() })
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'failed');
  if (ids) query = query.where('id', 'in', ids.length > 0 ? [...ids] : ['0']);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listDeliveries(
  db: Db,
  subscriptionId: string,
  filter: { status: 'pending' | 'delivered' | 'failed'; limit: number; afterId?: string },
) {
  let query = db
    .selectFrom('dispatcher.deliveries')
    .select([
      'id',
      'case_id',
      'event_source',
      'event_id',
      'event_type',
      'status',
      'attempts',
      'last_status',
      'last_error',
      'created_at',
      'last_attempt_at',
      'delivered_at',
    ])
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', filter.status)
    .orderBy('id')
    .limit(filter.limit);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    caseId: r.case_id,
    eventSource: r.event_source,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    deliveredAt: r.delivered_at?.toISOString() ?? null,
  }));
}

/** The operator's view of one subscription: registry state, delivery state, queue counts. */
export async function subscriptionStatus(db: Db, subscriptionId: string) {
  const s = await db
    .selectFrom('dispatcher.subscriptions')
    .selectAll()
    .where('id', '=', subscriptionId)
    .executeTakeFirst();
  if (!s) return undefined;
  const counts = await db
    .selectFrom('dispatcher.deliveries')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('subscription_id', '=', subscriptionId)
    .groupBy('status')
    .execute();
  const count = (status: string) => Number(counts.find((c) => c.status === status)?.n ?? 0);
  return {
    id: s.id,
    systemId: s.system_id,
    url: s.url,
    types: s.types,
    roles: s.roles,
    status: s.status,
    systemRevoked: s.system_revoked,
    stoppedAt: s.stopped_at?.toISOString() ?? null,
    stoppedReason: s.stopped_reason,
    backoffUntil: s.backoff_until?.toISOString() ?? null,
    pending: count('pending'),
    failed: count('failed'),
    delivered: count('delivered'),
    lastSuccessAt: s.last_success_at?.toISOString() ?? null,
    lastError: s.last_error_at ? { at: s.last_error_at.toISOString(), reason: s.last_error } : null,
  };
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
