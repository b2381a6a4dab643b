import { loadPositions, withConnection } from '@ketenhub/db';
import {
  ack,
  type ConsumedRecord,
  type KafkaClient,
  type RecordBatch,
  type RunningConsumer,
  runConsumer,
} from '@ketenhub/kafka';
import type { Logger, Metrics } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { EvolveContext } from '../cases/evolve';
import type { VersionInfo } from '../versions/versions';
import { type BatchResult, projectBatches } from './projector';

export interface ProjectionConsumerOptions {
  client: KafkaClient;
  db: Kysely<unknown>;
  version: VersionInfo;
  topics: string[];
  ctx: EvolveContext;
  logger: Logger;
  metrics?: Metrics;
  notify?: () => boolean;
  /** Partition batches handed in at the same time; those waiting together share a transaction. */
  partitionsConcurrently?: number;
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /**
   * Transactions in flight at once (default 4). With several, PostgreSQL works on one while Node
   * parses the next; measured at 1M events on 2 cores: 4 x 2,500 records gave 26.7k events/s,
   * 2 x 20,000 gave 16.9k.
   */
  transactions?: number;
  /** Most records per transaction (whole batches; a larger single batch still goes alone). */
  maxRecordsPerTransaction?: number;
  /** Batches from this many new events on load the timeline with COPY (projector.ts; tests lower it). */
  copyMinRecords?: number;
  /** Called after every applied batch (progress bars, tests). */
  onBatch?(info: { topic: string; partition: number; nextOffset: string; highWatermark: string }): void;
  onStop?(error: Error): void;
}

interface Waiting {
  batch: RecordBatch;
  resolve(outcome: { applied: number; skipped: number }): void;
  reject(error: unknown): void;
}

/**
 * Consumes the domain topics into one projection version. Positions live in the version's
 * schema next to its effects; Kafka's committed offsets are only for monitoring.
 *
 * Group commit: every partition batch of a fetch is handed in at once (partitionsConcurrently), and
 * the batches waiting at that moment are projected in one transaction. A live event then waits for
 * one commit instead of one per partition ahead of it, and catch-up pays one commit per fetch.
 */
export function startProjectionConsumer(o: ProjectionConsumerOptions): Promise<RunningConsumer> {
  const { version } = o;
  const maxRecords = o.maxRecordsPerTransaction ?? 2_500;
  const maxInFlight = o.transactions ?? 4;
  const queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const record = (batches: readonly RecordBatch[], result: BatchResult | undefined) => {
    if (!o.metrics || !result) return;
    for (const [topic, c] of result.byTopic) {
      const labels = { group: version.groupId, topic };
      if (c.applied > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'applied' }, c.applied);
      if (c.duplicates > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'duplicate' }, c.duplicates);
      if (c.rejected > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'rejected' }, c.rejected);
    }
    if (result.rejected > 0) {
      // Offsets only: rejected values can hold personal data and stay in the rejected table.
      o.logger.warn(
        { partitions: batches.map((b) => `${b.topic}:${b.partition}`), rejected: result.rejected },
        'records rejected',
      );
    }
  };

  const flush = async (group: Waiting[]) => {
    try {
      // One connection for the whole transaction, whose raw client can COPY (see projector.ts).
      const { perBatch, result } = await withConnection(o.db, (db, client) =>
        projectBatches(
          {
            db,
            client,
            schema: version.schema,
            group: version.groupId,
            ctx: o.ctx,
            notify: o.notify,
            ...(o.copyMinRecords !== undefined ? { copyMinRecords: o.copyMinRecords } : {}),
          },
          group.map((w) => ({
            topic: w.batch.topic,
            partition: w.batch.partition,
            records: w.batch.records,
          })),
        ),
      );
      record(
        group.map((w) => w.batch),
        result,
      );
      for (const [i, w] of group.entries()) w.resolve(perBatch[i] ?? { applied: 0, skipped: 0 });
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  };

  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    // setImmediate: the batches kafkajs hands in for the same fetch all join this transaction.
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && inFlight < maxInFlight) {
        let n = 0;
        let records = 0;
        while (
          n < queue.length &&
          (n === 0 || records + (queue[n]?.batch.records.length ?? 0) <= maxRecords)
        ) {
          records += queue[n]?.batch.records.length ?? 0;
          n++;
        }
        const group = queue.splice(0, n);
        inFlight++;
        void flush(group).finally(() => {
          inFlight--;
          schedule();
        });
      }
    });
  };

  const project = (batch: RecordBatch) =>
    new Promise<{ applied: number; skipped: number }>((resolve, reject) => {
      queue.push({ batch, resolve, reject });
      schedule();
    });

  return runConsumer(o.client, {
    groupId: version.groupId,
    topics: o.topics,
    fromBeginning: true,
    partitionsConcurrently: o.partitionsConcurrently ?? 16,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 2 * 1024 * 1024,
    ...(o.sessionTimeoutMs ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(o.db, version.schema, version.groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    handleBatch: async (batch) => {
      const { skipped } = await project(batch);
      if (o.metrics && skipped > 0) {
        o.metrics.eventsConsumed.inc(
          { group: version.groupId, topic: batch.topic, outcome: 'already-applied' },
          skipped,
        );
      }
      const last: ConsumedRecord | undefined = batch.records[batch.records.length - 1];
      if (last) {
        o.onBatch?.({
          topic: batch.topic,
          partition: batch.partition,
          nextOffset: (BigInt(last.offset) + 1n).toString(),
          highWatermark: batch.highWatermark,
        });
      }
      return ack();
    },
    onLag: (topic, partition, lag) => {
      o.metrics?.consumerLag.set({ group: version.groupId, topic, partition: String(partition) }, lag);
    },
    onStop: (error) => {
      o.logger.error({ err: error, group: version.groupId }, 'projection consumer stopped');
      o.onStop?.(error);
    },
  });
}
