import { type AccessContext, type AccessState, isAccessType } from '@ketenhub/access';
import { applyBatchOnce, loadPositions } from '@ketenhub/db';
import { fromKafkaRecord } from '@ketenhub/events';
import {
  ack,
  type ConsumedRecord,
  type KafkaClient,
  type RunningConsumer,
  runConsumer,
} from '@ketenhub/kafka';
import type { Logger, Metrics } from '@ketenhub/service';
import type { Kysely, Transaction } from 'kysely';
import {
  caseKey,
  finishAccessRebuild,
  insertAccessStates,
  loadAccessRebuild,
  lockAccessStates,
  storeAccessEvents,
  updateAccessStates,
} from '../cases/case-access.repository';
import type { DispatcherDatabase } from '../db';
import { type NewDelivery, queueDeliveries } from '../deliveries/outbox';
import { dispatcherSchema } from '../migrations';
import type { SubscriptionDirectory, SubscriptionsFollower } from '../subscriptions/subscriptions.consumer';
import { type BatchEvent, type CaseFold, foldCase } from './fanout';

/**
 * Follows the domain topics and writes, per event, one outbox row for each subscription that
 * receives it under the hub's access rule, together with the cases' new access states and the
 * consumer position, in one transaction (applyBatchOnce): after a crash at any instant each event
 * is queued exactly once and folded into its case's state exactly once. The outbox's unique
 * (subscription, source, id) drops a re-published copy of an event on top, and the access state
 * ignores a re-published access event itself.
 */
export async function startEventsConsumer(options: {
  kafka: KafkaClient;
  db: Kysely<DispatcherDatabase>;
  topics: string[];
  groupId: string;
  directory: SubscriptionDirectory;
  follower: SubscriptionsFollower;
  /** For the access rule: the hub's own OIN (its termijn-verstreken events act as `ketenhub`). */
  access: AccessContext;
  logger: Logger;
  metrics: Metrics;
  partitionsConcurrently: number;
  sessionTimeoutMs: number;
  /** Called after a transaction queued deliveries: wakes the sender. */
  onQueued(count: number): void;
  onStop(error: Error): void;
}): Promise<RunningConsumer> {
  const { db, groupId, logger, metrics } = options;
  // Read once: rows only exist right after the upgrade, and only shrink. An instance that took a
  // partition over after another finished it gets records past `until` only, so a stale entry is
  // harmless.
  const rebuild = await loadAccessRebuild(db, groupId);
  if (rebuild.size > 0) {
    logger.info({ partitions: rebuild.size }, 'rebuilding access states from the log before delivering');
  }
  return runConsumer(options.kafka, {
    groupId,
    topics: options.topics,
    fromBeginning: true,
    partitionsConcurrently: options.partitionsConcurrently,
    sessionTimeoutMs: options.sessionTimeoutMs,
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(db as never, dispatcherSchema, groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    onLag: (topic, partition, lag) =>
      metrics.consumerLag.set({ group: groupId, topic, partition: String(partition) }, lag),
    onStop: options.onStop,
    handleBatch: async (batch) => {
      await options.follower.freshFor({
        newestTimestampMs: Math.max(...batch.records.map((r) => r.timestampMs)),
        receivedAtMs: Date.now(),
      });
      const rebuildKey = `${batch.topic}:${batch.partition}`;
      const rebuildUntil = rebuild.get(rebuildKey);
      const key = { group: groupId, topic: batch.topic, partition: batch.partition };
      const { applied, skipped, result } = await applyBatchOnce(
        db as never,
        dispatcherSchema,
        key,
        batch.records,
        async (trx, fresh) => {
          const t = trx as Transaction<DispatcherDatabase>;
          const out = await fanOut(t, fresh, {
            directory: options.directory,
            access: options.access,
            logger,
            rebuildUntil,
          });
          const last = fresh.at(-1);
          if (rebuildUntil !== undefined && last && BigInt(last.offset) + 1n >= rebuildUntil) {
            await finishAccessRebuild(t, key);
          }
          return out;
        },
      );
      if (rebuildUntil !== undefined && BigInt(batch.lastOffset) + 1n >= rebuildUntil) {
        rebuild.delete(rebuildKey);
        logger.info({ topic: batch.topic, partition: batch.partition }, 'access states rebuilt');
      }
      const labels = { group: groupId, topic: batch.topic };
      metrics.eventsConsumed.inc({ ...labels, outcome: 'applied' }, applied);
      if (skipped > 0) metrics.eventsConsumed.inc({ ...labels, outcome: 'already-applied' }, skipped);
      if (result && result.invalid > 0)
        metrics.eventsConsumed.inc({ ...labels, outcome: 'invalid' }, result.invalid);
      if (result && result.queued > 0) options.onQueued(result.queued);
      return ack();
    },
  });
}

/** One batch's effects inside the consume transaction. */
async function fanOut(
  trx: Transaction<DispatcherDatabase>,
  records: readonly ConsumedRecord[],
  options: {
    directory: SubscriptionDirectory;
    access: AccessContext;
    logger: Logger;
    /** Records before this offset only rebuild access states (the upgrade's second read). */
    rebuildUntil: bigint | undefined;
  },
): Promise<{ queued: number; invalid: number }> {
  const { directory, logger, rebuildUntil } = options;
  const deliver = (offset: string) => rebuildUntil === undefined || BigInt(offset) >= rebuildUntil;
  // Read at all are only records that change access states (every service folds the same ones)
  // and records some subscription queues for (they need their verdict and the state); the rest,
  // most of the log for most subscriptions, pass unparsed. A record without a type header is read
  // too: the header is only a routing aid, and the projection folds such a record by its value.
  const relevant = records.filter((r) => {
    const type = r.headers.ce_type;
    if (type === undefined || isAccessType(type)) return true;
    return deliver(r.offset) && directory.queueingFor(type).size > 0;
  });
  if (relevant.length === 0) return { queued: 0, invalid: 0 };

  const byCase = new Map<string, BatchEvent[]>();
  let invalid = 0;
  for (const record of relevant) {
    const parsed = fromKafkaRecord(record);
    if (!parsed.ok) {
      // Offsets only: the value may hold personal data.
      logger.warn(
        { topic: record.topic, offset: record.offset },
        'record does not fit the contract; not delivered',
      );
      invalid++;
      continue;
    }
    const event = parsed.event;
    const traceparent =
      record.headers.traceparent ??
      (typeof (event as { traceparent?: unknown }).traceparent === 'string'
        ? (event as { traceparent: string }).traceparent
        : null);
    // The record value itself, not a re-serialisation: the event exactly as it is in the log.
    const e: BatchEvent = {
      event,
      value: record.value as Buffer,
      traceparent,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      ...(deliver(record.offset) ? {} : { rebuildOnly: true }),
    };
    const id = caseKey(event.subject);
    const list = byCase.get(id);
    if (list) list.push(e);
    else byCase.set(id, [e]);
  }
  if (byCase.size === 0) return { queued: 0, invalid };

  const fold = (from: AccessState | undefined, events: BatchEvent[]) =>
    foldCase(from, events, options.access, (type) => directory.queueingFor(type));
  const stored = await lockAccessStates(trx, [...byCase.keys()]);
  await storeAccessEvents(trx, [...byCase.values()].flat());
  const folds = new Map<string, CaseFold>();
  for (const [id, events] of byCase) folds.set(id, fold(stored.get(id), events));

  const changedExisting = new Map<string, AccessState>();
  const created = new Map<string, AccessState>();
  for (const [id, f] of folds) {
    if (!f.changed) continue;
    if (stored.has(id)) changedExisting.set(id, f.state);
    else created.set(id, f.state);
  }
  await updateAccessStates(trx, changedExisting);
  const won = await insertAccessStates(trx, created);
  const lost = [...created.keys()].filter((id) => !won.has(id));
  if (lost.length > 0) {
    // Another partition's transaction created the case meanwhile (see lockAccessStates): fold
    // this batch's events again on top of its state, and decide their deliveries on that.
    const theirs = await lockAccessStates(trx, lost);
    const again = new Map<string, AccessState>();
    for (const id of lost) {
      const f = fold(theirs.get(id), byCase.get(id) ?? []);
      folds.set(id, f);
      if (f.changed) again.set(id, f.state);
    }
    await updateAccessStates(trx, again);
  }

  const deliveries: NewDelivery[] = [];
  for (const f of folds.values()) {
    deliveries.push(...f.deliveries);
    if (f.unfit > 0)
      logger.error({ deliveries: f.unfit }, 'redacted copy does not fit the envelope; not delivered');
  }
  const queued = await queueDeliveries(trx, deliveries);
  return { queued, invalid };
}
