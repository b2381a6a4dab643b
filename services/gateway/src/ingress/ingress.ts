import { applyBatchOnce, loadPositions } from '@ketenhub/db';
import type { KnownSystem, SystemDirectory } from '@ketenhub/directory';
import {
  ack,
  type ConsumedRecord,
  ensureTopics,
  type KafkaClient,
  type Publisher,
  type RunningConsumer,
  runConsumer,
} from '@ketenhub/kafka';
import type { Logger, Metrics } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { GatewayDatabase } from '../db';
import { checkEvents } from '../ingest/check/checks';
import type { EventOutcome, Ingest } from '../ingest/ingest';
import { appErrorOf, problemOf, type Refused, refused } from '../ingest/outcome';
import { gatewaySchema } from '../migrations';

export const ingressTopics = (prefix: string, systemId: string) => ({
  ingress: `${prefix}ingress.${systemId}`,
  rejects: `${prefix}rejects.${systemId}`,
});

export interface IngressOptions {
  kafka: KafkaClient;
  db: Kysely<GatewayDatabase>;
  publisher: Publisher;
  directory: SystemDirectory;
  ingest: Ingest;
  logger: Logger;
  metrics: Metrics;
  topicPrefix: string;
  partitions: number;
  publishTimeoutMs: number;
}

/** Why a record cannot even be read as an event (checked before the event checks). */
function readRecord(record: ConsumedRecord): { ok: true; raw: unknown } | Refused {
  const contentType = record.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('application/cloudevents+json')) {
    return refused('unsupported-media-type', 'ingress records are structured-mode CloudEvents', [
      {
        field: 'headers.content-type',
        rule: 'media-type',
        message: 'headers.content-type: must be application/cloudevents+json (structured mode)',
      },
    ]);
  }
  if (!record.value) {
    return refused('invalid-event', 'the record has no value', [
      { field: 'value', rule: 'required', message: 'value: the whole CloudEvent is required' },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(record.value.toString('utf8'));
  } catch {
    return refused('invalid-request', 'the record value is not JSON', [
      { field: 'value', rule: 'json', message: 'value: must be a JSON CloudEvent' },
    ]);
  }
  // The key decides the ingress partition: keyed by anything but the chain case id, one case's
  // events could be read out of order from different partitions and forwarded in the wrong order.
  const subject =
    typeof raw === 'object' && raw !== null ? (raw as { subject?: unknown }).subject : undefined;
  if (record.key !== subject) {
    return refused('invalid-event', 'the record key must be the chain case id (the subject)', [
      { field: 'key', rule: 'key-is-subject', message: 'key: must equal the subject (chain case id)' },
    ]);
  }
  return { ok: true, raw };
}

/**
 * Kafka-native systems produce to `ingress.<systemId>` (only they may write it: a Kafka ACL per
 * system, set by the operator). The gateway reads it with the same checks as HTTP, forwards valid
 * events to the domain topics through the same acceptor (idempotent by source + id) and writes every
 * refused record to `rejects.<systemId>` with the problem, readable by that system only.
 *
 * Position and rejects: the rejects are written (acks=all) inside the transaction that moves the
 * position, so a batch is either fully handled or redone. A redone batch cannot duplicate forwarded
 * events (the acceptor answers them as re-sends); a crash between writing rejects and committing can
 * repeat a reject record, which carries the ingress offset so the system can recognise it.
 */
export class IngressManager {
  private readonly running = new Map<string, Promise<RunningConsumer | undefined>>();
  private closed = false;

  constructor(private readonly options: IngressOptions) {
    options.directory.onChange((system) => void this.sync(system));
  }

  /** Starts consumers for every Kafka-native system already known. */
  start(): void {
    for (const system of this.options.directory.all()) void this.sync(system);
  }

  activeSystems(): string[] {
    return [...this.running.keys()];
  }

  private async sync(system: KnownSystem) {
    if (this.closed) return;
    const wanted = system.kafkaNative && !system.revoked;
    const current = this.running.get(system.id);
    if (wanted && !current) {
      const starting = this.startFor(system).catch((error: unknown) => {
        this.options.logger.error({ err: error, systemId: system.id }, 'ingress consumer did not start');
        this.running.delete(system.id);
        return undefined;
      });
      this.running.set(system.id, starting);
    } else if (!wanted && current) {
      this.running.delete(system.id);
      await (await current)?.stop();
      this.options.logger.info({ systemId: system.id }, 'ingress consumer stopped (system revoked)');
    }
  }

  private async startFor(system: KnownSystem): Promise<RunningConsumer> {
    const { kafka, db, publisher, logger, metrics } = this.options;
    const topics = ingressTopics(this.options.topicPrefix, system.id);
    // Normally created by the registry; repeated here so a lost topic does not block the consumer.
    await ensureTopics(kafka, [
      {
        name: topics.ingress,
        partitions: this.options.partitions,
        configs: { 'retention.ms': String(7 * 86_400_000) },
      },
      { name: topics.rejects, partitions: 1, configs: { 'retention.ms': String(30 * 86_400_000) } },
    ]);
    const groupId = `${this.options.topicPrefix}gateway-ingress.${system.id}`;
    const consumer = await runConsumer(kafka, {
      groupId,
      topics: [topics.ingress],
      fromBeginning: true,
      loadPositions: async (topic, partitions) => {
        const all = await loadPositions(db as never, gatewaySchema, groupId, topic);
        return new Map([...all].filter(([p]) => partitions.includes(p)));
      },
      onLag: (topic, partition, lag) =>
        metrics.consumerLag.set({ group: groupId, topic, partition: String(partition) }, lag),
      onStop: (error) => logger.error({ err: error, systemId: system.id }, 'ingress consumer stopped'),
      handleBatch: async (batch) => {
        // The newest state of the system (its types may have changed since the consumer started).
        const current = this.options.directory.get(system.id) ?? system;
        const result = await applyBatchOnce(
          db as never,
          gatewaySchema,
          { group: groupId, topic: batch.topic, partition: batch.partition },
          batch.records,
          async (_trx, fresh) => {
            const readable: { record: ConsumedRecord; raw: unknown }[] = [];
            const outcomes = new Map<ConsumedRecord, EventOutcome>();
            for (const record of fresh) {
              const read = readRecord(record);
              if (!read.ok)
                outcomes.set(record, { ok: false, id: record.headers.ce_id, refusal: read.refusal });
              else readable.push({ record, raw: read.raw });
            }
            const checked = await this.options.ingest(
              current,
              checkEvents(
                current,
                readable.map((r) => r.raw),
              ),
              undefined,
            );
            for (const [i, r] of readable.entries()) {
              const outcome = checked[i]!;
              if (!outcome.ok && outcome.refusal.code === 'unavailable') {
                // Kafka is not taking writes: redo the whole batch later (accepted ones answer as re-sends).
                throw appErrorOf(outcome.refusal);
              }
              outcomes.set(r.record, outcome);
            }
            const rejects = fresh.flatMap((record) => {
              const outcome = outcomes.get(record);
              if (!outcome || outcome.ok) return [];
              return [
                {
                  topic: topics.rejects,
                  key: record.key ?? `${record.partition}-${record.offset}`,
                  value: JSON.stringify({
                    ingress: { topic: record.topic, partition: record.partition, offset: record.offset },
                    id: outcome.id ?? null,
                    problem: problemOf(outcome.refusal),
                  }),
                  headers: { 'content-type': 'application/problem+json' },
                },
              ];
            });
            if (rejects.length > 0)
              await publisher.publish(rejects, { timeoutMs: this.options.publishTimeoutMs });
            return { forwarded: fresh.length - rejects.length, rejected: rejects.length };
          },
        );
        if (result.result) {
          metrics.eventsConsumed.inc(
            { group: groupId, topic: batch.topic, outcome: 'forwarded' },
            result.result.forwarded,
          );
          metrics.eventsConsumed.inc(
            { group: groupId, topic: batch.topic, outcome: 'rejected' },
            result.result.rejected,
          );
        }
        return ack();
      },
    });
    logger.info({ systemId: system.id }, 'ingress consumer started');
    return consumer;
  }

  async close(): Promise<void> {
    this.closed = true;
    const consumers = await Promise.all(this.running.values());
    this.running.clear();
    await Promise.all(consumers.map((c) => c?.stop()));
  }
}
