import { applyBatchOnce, loadPositions } from '@ketenhub/db';
import { fromKafkaRecord } from '@ketenhub/events';
import { ack, type KafkaClient, type RunningConsumer, runConsumer } from '@ketenhub/kafka';
import type { Logger, Metrics } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { GatewayDatabase } from '../db';
import { gatewaySchema } from '../migrations';
import type { CaseBook } from './case-book';
import { type CaseFact, caseFactOf } from './case-facts';

/** The only types that change who takes part in a chain case; every other record is skipped unparsed. */
const caseTypes = new Set(['nl.ketens.ketenzaak-geopend', 'nl.ketens.deelnemer-aangesloten']);

/**
 * Follows the domain topics and records every chain case opened and every participant joined,
 * whoever published it (another gateway instance, the Kafka-native ingress, a replay). Facts and
 * the consumer position are written in one transaction (applyBatchOnce), so each record counts once.
 */
export async function startCasesConsumer(options: {
  kafka: KafkaClient;
  db: Kysely<GatewayDatabase>;
  caseBook: CaseBook;
  topics: string[];
  groupId: string;
  logger: Logger;
  metrics: Metrics;
  onStop?: (error: Error) => void;
}): Promise<RunningConsumer> {
  const { db, caseBook, groupId, metrics } = options;
  return runConsumer(options.kafka, {
    groupId,
    topics: options.topics,
    fromBeginning: true,
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(db as never, gatewaySchema, groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    onLag: (topic, partition, lag) =>
      metrics.consumerLag.set({ group: groupId, topic, partition: String(partition) }, lag),
    onStop: options.onStop,
    handleBatch: async (batch) => {
      const { result } = await applyBatchOnce(
        db as never,
        gatewaySchema,
        { group: groupId, topic: batch.topic, partition: batch.partition },
        batch.records,
        async (trx, fresh) => {
          const facts: CaseFact[] = [];
          for (const record of fresh) {
            if (!caseTypes.has(record.headers.ce_type ?? '')) continue;
            const parsed = fromKafkaRecord(record);
            const fact = parsed.ok ? caseFactOf(parsed.event) : undefined;
            if (fact) facts.push(fact);
            else
              options.logger.warn(
                { topic: batch.topic, offset: record.offset },
                'case record not readable; skipped',
              );
          }
          if (facts.length > 0) await caseBook.record(facts, trx as never);
          return facts;
        },
      );
      metrics.eventsConsumed.inc(
        { group: groupId, topic: batch.topic, outcome: 'applied' },
        result?.length ?? 0,
      );
      return ack();
    },
  });
}
