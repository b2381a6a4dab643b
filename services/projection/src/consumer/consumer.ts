import { loadPositions } from '@ketenhub/db';
import { ack, type KafkaClient, type RunningConsumer, runConsumer } from '@ketenhub/kafka';
import type { Logger, Metrics } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { EvolveContext } from '../cases/evolve';
import type { VersionInfo } from '../versions/versions';
import { projectBatch } from './projector';

export interface ProjectionConsumerOptions {
  client: KafkaClient;
  db: Kysely<unknown>;
  version: VersionInfo;
  topics: string[];
  ctx: EvolveContext;
  logger: Logger;
  metrics?: Metrics;
  notify?: () => boolean;
  partitionsConcurrently?: number;
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /** Called after every applied batch (progress bars, tests). */
  onBatch?(info: { topic: string; partition: number; nextOffset: string; highWatermark: string }): void;
  onStop?(error: Error): void;
}

/**
 * Consumes the domain topics into one projection version. Positions live in the version's
 * schema next to its effects; Kafka's committed offsets are only for monitoring.
 */
export function startProjectionConsumer(o: ProjectionConsumerOptions): Promise<RunningConsumer> {
  const { version } = o;
  return runConsumer(o.client, {
    groupId: version.groupId,
    topics: o.topics,
    fromBeginning: true,
    partitionsConcurrently: o.partitionsConcurrently ?? 2,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 2 * 1024 * 1024,
    ...(o.sessionTimeoutMs ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(o.db, version.schema, version.groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    handleBatch: async (batch) => {
      const { result, skipped } = await projectBatch(
        { db: o.db, schema: version.schema, group: version.groupId, ctx: o.ctx, notify: o.notify },
        { topic: batch.topic, partition: batch.partition },
        batch.records,
      );
      const labels = { group: version.groupId, topic: batch.topic };
      if (o.metrics) {
        if (skipped > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'already-applied' }, skipped);
        if (result) {
          if (result.applied > 0)
            o.metrics.eventsConsumed.inc({ ...labels, outcome: 'applied' }, result.applied);
          if (result.duplicates > 0)
            o.metrics.eventsConsumed.inc({ ...labels, outcome: 'duplicate' }, result.duplicates);
          if (result.rejected > 0)
            o.metrics.eventsConsumed.inc({ ...labels, outcome: 'rejected' }, result.rejected);
        }
      }
      if (result && result.rejected > 0) {
        // Offsets only: rejected values can hold personal data and stay in the rejected table.
        o.logger.warn(
          { topic: batch.topic, partition: batch.partition, rejected: result.rejected },
          'records rejected',
        );
      }
      const last = batch.records[batch.records.length - 1];
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
