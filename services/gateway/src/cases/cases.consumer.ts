import { isAccessType } from '@ketenhub/access';
import { applyBatchOnce, loadPositions, type OffsetRecord } from '@ketenhub/db';
import { fromKafkaRecord, isUuid } from '@ketenhub/events';
import {
  ack,
  type ConsumedRecord,
  type KafkaClient,
  type RunningConsumer,
  runConsumer,
} from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { GatewayDatabase } from '../db';
import { receivedKey } from '../ingest/accept/received.table';
import { gatewaySchema } from '../migrations';
import { type AccessEntry, recordAccessEvents } from './case-access.repository';

/**
 * A batch without access events moves the stored position at most this often. Rows are written
 * once per (case, event), so re-reading records after a restart is harmless; what this bounds is
 * only how much is re-read. Without it the consumer paid a PostgreSQL transaction per fetched batch
 * of the gateway's own traffic, almost all of which changes no access state.
 */
const POSITION_EVERY_MS = 5_000;

/**
 * Follows the domain topics and records every access event in `gateway.case_access_events` with
 * its offset, whoever published it (another gateway instance, the Kafka-native ingress, a replay,
 * a producer that wrote to Kafka directly). Rows and the consumer position are written in one
 * transaction (applyBatchOnce), and the same statement notifies every instance of the cases.
 *
 * It gives the rows their log order; what makes a case usable at once is the acceptor, which
 * records the events it publishes (without an offset) before it answers 202. So it fetches in
 * larger, later batches (minBytes) and skips the database for batches without access events
 * until {@link POSITION_EVERY_MS} has passed.
 */
export async function startCasesConsumer(options: {
  kafka: KafkaClient;
  db: Kysely<GatewayDatabase>;
  topics: string[];
  groupId: string;
  /** Kafka session timeout (default the adapter's 30 s). */
  sessionTimeoutMs?: number;
  logger: Logger;
  onLag?: (topic: string, partition: number, lag: number) => void;
  /** Per batch: records read in full (access records) and records the thread's decoder skipped. */
  onConsumed?: (topic: string, decoded: number, skipped: number) => void;
  onStop?: (error: Error) => void;
}): Promise<RunningConsumer> {
  const { db, groupId } = options;
  const positionWritten = new Map<string, number>();
  return runConsumer(options.kafka, {
    groupId,
    topics: options.topics,
    fromBeginning: true,
    minBytes: 256 * 1024,
    maxWaitTimeMs: 500,
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(db as never, gatewaySchema, groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    onLag: options.onLag,
    onStop: options.onStop,
    handleBatch: async (batch) => {
      options.onConsumed?.(batch.topic, batch.records.length, batch.fetched - batch.records.length);
      const partitionKey = `${batch.topic}:${batch.partition}`;
      const access = batch.records.filter((r) => isAccessType(r.headers.ce_type ?? ''));
      const now = Date.now();
      if (access.length === 0 && now - (positionWritten.get(partitionKey) ?? 0) < POSITION_EVERY_MS) {
        return ack();
      }
      positionWritten.set(partitionKey, now);
      // The batch's last offset closes the list, so the position moves past records the thread's
      // decoder skipped (see cases.worker.ts) as well.
      const last = access[access.length - 1];
      const entries: (ConsumedRecord | OffsetRecord)[] =
        last?.offset === batch.lastOffset ? access : [...access, { offset: batch.lastOffset }];
      const { result } = await applyBatchOnce(
        db as never,
        gatewaySchema,
        { group: groupId, topic: batch.topic, partition: batch.partition },
        entries,
        async (trx, fresh) => {
          const rows: AccessEntry[] = [];
          for (const entry of fresh) {
            if (!('headers' in entry)) continue;
            const parsed = fromKafkaRecord(entry);
            // The contract makes the subject a UUID; checked again because one odd record must not
            // stop the consumer (the column is a uuid).
            if (parsed.ok && isAccessType(parsed.event.type) && isUuid(parsed.event.subject)) {
              const e = parsed.event;
              rows.push({
                caseId: e.subject,
                key: receivedKey(e.source, e.id),
                event: e,
                offset: entry.offset,
              });
            } else {
              options.logger.warn(
                { topic: batch.topic, offset: entry.offset },
                'access record not readable; skipped',
              );
            }
          }
          // Origin '': this process has not applied these to its cache, so it drops them too.
          await recordAccessEvents(trx as never, rows, '');
          return rows.length;
        },
      );
      if (result) options.logger.debug({ events: result }, 'access events recorded');
      return ack();
    },
  });
}
