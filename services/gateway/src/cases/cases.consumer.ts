import { applyBatchOnce, loadPositions, type OffsetRecord } from '@ketenhub/db';
import { fromKafkaRecord } from '@ketenhub/events';
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
import { gatewaySchema } from '../migrations';
import { recordCaseFacts } from './case-book';
import { type CaseFact, caseFactOf, caseFactTypes } from './case-facts';

/** The only types that change who takes part in a chain case; every other record is skipped unparsed. */
const caseTypes: ReadonlySet<string> = new Set(caseFactTypes);

/**
 * A batch without case facts moves the stored position at most this often. Facts are written with
 * `on conflict do nothing`, so re-reading records after a restart is harmless; what this bounds is
 * only how much is re-read. Without it the consumer paid a PostgreSQL transaction per fetched batch
 * of the gateway's own traffic, almost all of which carries no fact.
 */
const POSITION_EVERY_MS = 5_000;

/**
 * Follows the domain topics and records every chain case opened and every participant joined,
 * whoever published it (another gateway instance, the Kafka-native ingress, a replay). Facts and
 * the consumer position are written in one transaction (applyBatchOnce).
 *
 * It is a safety net, not the path that makes a case usable: the acceptor records the facts of the
 * events it publishes before it answers 202. So it fetches in larger, later batches (minBytes) and
 * skips the database for batches without facts until {@link POSITION_EVERY_MS} has passed.
 */
export async function startCasesConsumer(options: {
  kafka: KafkaClient;
  db: Kysely<GatewayDatabase>;
  topics: string[];
  groupId: string;
  logger: Logger;
  onLag?: (topic: string, partition: number, lag: number) => void;
  /** Per batch: records read in full (case records) and records the thread's decoder skipped. */
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
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(db as never, gatewaySchema, groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    onLag: options.onLag,
    onStop: options.onStop,
    handleBatch: async (batch) => {
      options.onConsumed?.(batch.topic, batch.records.length, batch.fetched - batch.records.length);
      const partitionKey = `${batch.topic}:${batch.partition}`;
      const cases = batch.records.filter((r) => caseTypes.has(r.headers.ce_type ?? ''));
      const now = Date.now();
      if (cases.length === 0 && now - (positionWritten.get(partitionKey) ?? 0) < POSITION_EVERY_MS) {
        return ack();
      }
      positionWritten.set(partitionKey, now);
      // The batch's last offset closes the list, so the position moves past records the thread's
      // decoder skipped (see cases.worker.ts) as well.
      const last = cases[cases.length - 1];
      const entries: (ConsumedRecord | OffsetRecord)[] =
        last?.offset === batch.lastOffset ? cases : [...cases, { offset: batch.lastOffset }];
      const { result } = await applyBatchOnce(
        db as never,
        gatewaySchema,
        { group: groupId, topic: batch.topic, partition: batch.partition },
        entries,
        async (trx, fresh) => {
          const facts: CaseFact[] = [];
          for (const entry of fresh) {
            if (!('headers' in entry)) continue;
            const parsed = fromKafkaRecord(entry);
            const fact = parsed.ok ? caseFactOf(parsed.event) : undefined;
            if (fact) facts.push(fact);
            else
              options.logger.warn(
                { topic: batch.topic, offset: entry.offset },
                'case record not readable; skipped',
              );
          }
          if (facts.length > 0) await recordCaseFacts(trx as never, facts);
          return facts;
        },
      );
      if (result && result.length > 0) options.logger.debug({ facts: result.length }, 'case facts recorded');
      return ack();
    },
  });
}
