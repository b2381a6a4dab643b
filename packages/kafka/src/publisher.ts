// First: kafkajs must find the replacement record decoder when it loads (see kafkajs-records.ts).
import './kafkajs-records';
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import type { KafkaClient, ProducerLibrary } from './client';
import {
  createPlatformaticPublisher,
  MAX_SEND_BACKOFF_MS,
  PRODUCE_ACK_TIMEOUT_MS,
} from './platformatic-publisher';
import type { PublishRefusedError } from './publish-timeout';
import { Refusals, withTimeout } from './publish-timeout';

export { PublishRefusedError, PublishTimeoutError } from './publish-timeout';

/** One record to write; headers are strings because every hub header is text (ce_type, ...). */
export interface OutgoingRecord {
  topic: string;
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
  /** Record timestamp in ms since epoch; defaults to the broker's append time semantics of the client (now). */
  timestampMs?: number;
}

export interface PublishedRecord {
  topic: string;
  partition: number;
  /** Offset of the first record of this batch in that partition. */
  baseOffset: string;
}

export interface Publisher {
  /**
   * Writes records with acks=all through the idempotent producer and resolves once every one
   * is durable on the in-sync replicas. Records with the same key keep their order.
   *
   * With `timeoutMs`, rejects with {@link PublishTimeoutError} when Kafka did not confirm in
   * time, and sooner with {@link PublishRefusedError} when the broker refuses the write (or the
   * one ahead of it) for lack of in-sync replicas. The outcome is then unknown (the producer keeps
   * retrying and the write may still land), so callers must treat it as "not accepted, retry
   * with the same event id". Without `timeoutMs` the promise settles only with the write.
   */
  publish(records: OutgoingRecord[], options?: { timeoutMs?: number }): Promise<PublishedRecord[]>;
  /**
   * The broker's latest refusal of a write that is still being retried, until a write is confirmed
   * again; undefined while writes go through. For callers that wait for the write themselves
   * (without `timeoutMs`) and want to answer "not accepted" before their own timeout.
   */
  refusal(): PublishRefusedError | undefined;
  close(): Promise<void>;
}

export interface PublisherOptions {
  /** Compress batches; off by default because case events are small and latency matters more. */
  compression?: 'none' | 'gzip';
  /**
   * Produce request encoder of the @platformatic/kafka publisher: ours (`lean`, the default; see
   * produce-request.ts) or the library's own. For comparisons; both write the same bytes.
   */
  produceEncoder?: 'lean' | 'library';
}

/** The producer library used when {@link KafkaSettings.producer} is not set; see PRODUCER.md. */
export const defaultProducerLibrary: ProducerLibrary = 'platformatic';

/**
 * An idempotent, acks=all publisher on the library chosen by `client.settings.producer`
 * (default {@link defaultProducerLibrary}). Both give the guarantees documented on {@link Publisher}.
 */
export async function createPublisher(
  client: KafkaClient,
  options: PublisherOptions = {},
): Promise<Publisher> {
  const library = client.settings.producer ?? defaultProducerLibrary;
  if (library === 'platformatic') return createPlatformaticPublisher(client, options);
  return createKafkajsPublisher(client, options);
}

async function createKafkajsPublisher(client: KafkaClient, options: PublisherOptions): Promise<Publisher> {
  const producer: Producer = client.kafka.producer({
    idempotent: true,
    // kafkajs keeps per-partition sequence numbers correct only with one request in flight;
    // more would let a retried batch overtake a later one and break per-case order.
    maxInFlightRequests: 1,
    // The Java client's murmur2 partitioner: a Kafka-native system producing with any other
    // client lands the same chain case in the same partition.
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // The idempotent producer must retry until it succeeds: giving up mid-sequence lets a later
    // batch be written before a retried earlier one (kafkajs warns about exactly that). The
    // client-level retry count would otherwise apply here, so it is overridden; the backoff stays.
    // A bounded wait is the caller's choice through `timeoutMs`. The backoff is capped lower than
    // the client's: after a broker failover the next attempt should come within seconds (with a
    // 30 s cap, writes resumed 34 s after the leader was killed on the three-broker cluster).
    retry: {
      initialRetryTime: client.settings.retry?.initialRetryTimeMs ?? 300,
      maxRetryTime: Math.min(client.settings.retry?.maxRetryTimeMs ?? 30_000, MAX_SEND_BACKOFF_MS),
      retries: Number.MAX_SAFE_INTEGER,
    },
  });
  await producer.connect();
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const refusals = new Refusals();
  const onRefused = (code: Parameters<Refusals['report']>[0]) => refusals.report(code);
  client.onProduceRefused.add(onRefused);

  let closed = false;
  // One sendBatch at a time: two in flight may be written in either order (measured: the order
  // test in publisher.int.test.ts swaps records of one key without this), breaking per-key order.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    async publish(records, publishOptions = {}) {
      if (closed) throw new Error('publisher is closed');
      if (records.length === 0) return [];
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const r of records) {
        const list = byTopic.get(r.topic);
        if (list) list.push(r);
        else byTopic.set(r.topic, [r]);
      }
      const send = tail
        .then(() =>
          producer.sendBatch({
            acks: -1,
            timeout: PRODUCE_ACK_TIMEOUT_MS,
            compression,
            topicMessages: [...byTopic].map(([topic, list]) => ({
              topic,
              messages: list.map((r) => ({
                key: r.key,
                value: r.value,
                headers: r.headers,
                timestamp: r.timestampMs === undefined ? undefined : String(r.timestampMs),
              })),
            })),
          }),
        )
        .then((meta) => {
          refusals.confirmed();
          return meta.map((m) => ({
            topic: m.topicName,
            partition: m.partition,
            baseOffset: m.baseOffset ?? '-1',
          }));
        });
      tail = send.catch(() => undefined);
      return withTimeout(send, publishOptions.timeoutMs, refusals);
    },
    refusal: () => refusals.current(),
    async close() {
      if (closed) return;
      closed = true;
      client.onProduceRefused.delete(onRefused);
      await producer.disconnect();
    },
  };
}
