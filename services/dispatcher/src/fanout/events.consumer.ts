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
  loadParticipants,
  participantOf,
  participationTypes,
  recordParticipants,
} from '../cases/participation';
import type { DispatcherDatabase } from '../db';
import { type NewDelivery, queueDeliveries } from '../deliveries/outbox';
import { dispatcherSchema } from '../migrations';
import type { SubscriptionDirectory, SubscriptionsFollower } from '../subscriptions/subscriptions.consumer';
import { recipients } from './fanout';

/**
 * Follows the domain topics and writes, per event, one outbox row for each subscription that
 * receives it, together with the participants the event adds and the consumer position, in one
 * transaction (applyBatchOnce): after a crash at any instant each event is queued exactly once.
 * The outbox's unique (subscription, source, id) drops a re-published copy of an event on top.
 */
export async function startEventsConsumer(options: {
  kafka: KafkaClient;
  db: Kysely<DispatcherDatabase>;
  topics: string[];
  groupId: string;
  directory: SubscriptionDirectory;
  follower: SubscriptionsFollower;
  logger: Logger;
  metrics: Metrics;
  partitionsConcurrently: number;
  sessionTimeoutMs: number;
  /** Called after a transaction queued deliveries: wakes the sender. */
  onQueued(count: number): void;
  onStop(error: Error): void;
}): Promise<RunningConsumer> {
  const { db, groupId, logger, metrics } = options;
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
      const { applied, skipped, result } = await applyBatchOnce(
        db as never,
        dispatcherSchema,
        { group: groupId, topic: batch.topic, partition: batch.partition },
        batch.records,
        (trx, fresh) => fanOut(trx as Transaction<DispatcherDatabase>, fresh, options.directory, logger),
      );
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
  directory: SubscriptionDirectory,
  logger: Logger,
): Promise<{ queued: number; invalid: number }> {
  // Only records that change participation or that some subscription could want are read at all;
  // the rest (most of the log for most subscriptions) pass unparsed.
  const relevant = records.filter((r) => {
    const type = r.headers.ce_type ?? '';
    return participationTypes.has(type) || directory.queueingFor(type).length > 0;
  });
  if (relevant.length === 0) return { queued: 0, invalid: 0 };
  const participants = await loadParticipants(
    trx,
    relevant.flatMap((r) => (r.key ? [r.key] : [])),
  );
  const joined: { caseId: string; oin: string }[] = [];
  const deliveries: NewDelivery[] = [];
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
    const joining = participantOf(event);
    if (joining) {
      const set = participants.get(joining.caseId) ?? new Set<string>();
      participants.set(joining.caseId, set);
      if (!set.has(joining.oin)) {
        set.add(joining.oin);
        joined.push(joining);
      }
    }
    const traceparent =
      record.headers.traceparent ??
      (typeof (event as { traceparent?: unknown }).traceparent === 'string'
        ? (event as { traceparent: string }).traceparent
        : null);
    for (const s of recipients(
      event.type,
      participants.get(event.subject),
      directory.queueingFor(event.type),
    )) {
      deliveries.push({
        subscriptionId: s.id,
        caseId: event.subject,
        eventSource: event.source,
        eventId: event.id,
        eventType: event.type,
        // The record value itself, not a re-serialisation: the event exactly as it is in the log.
        body: record.value as Buffer,
        traceparent,
      });
    }
  }
  await recordParticipants(trx, joined);
  const queued = await queueDeliveries(trx, deliveries);
  return { queued, invalid };
}
