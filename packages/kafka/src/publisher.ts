import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import type { KafkaClient } from './client';

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
   * time. The outcome is then unknown (the producer keeps retrying and the write may still
   * land), so callers must treat it as "not accepted, retry with the same event id".
   */
  publish(records: OutgoingRecord[], options?: { timeoutMs?: number }): Promise<PublishedRecord[]>;
  close(): Promise<void>;
}

export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Kafka did not confirm the write within ${timeoutMs} ms`);
  }
}

export interface PublisherOptions {
  /** Compress batches; off by default because case events are small and latency matters more. */
  compression?: 'none' | 'gzip';
}

export async function createPublisher(
  client: KafkaClient,
  options: PublisherOptions = {},
): Promise<Publisher> {
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
    // A bounded wait is the caller's choice through `timeoutMs`.
    retry: {
      initialRetryTime: client.settings.retry?.initialRetryTimeMs ?? 300,
      maxRetryTime: client.settings.retry?.maxRetryTimeMs ?? 30_000,
      retries: Number.MAX_SAFE_INTEGER,
    },
  });
  await producer.connect();
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;

  let closed = false;
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
      const send = producer
        .sendBatch({
          acks: -1,
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
        })
        .then((meta) =>
          meta.map((m) => ({ topic: m.topicName, partition: m.partition, baseOffset: m.baseOffset ?? '-1' })),
        );
      const timeoutMs = publishOptions.timeoutMs;
      if (timeoutMs === undefined) return send;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PublishTimeoutError(timeoutMs)), timeoutMs);
      });
      // A late failure of the abandoned send must not become an unhandled rejection.
      send.catch(() => undefined);
      try {
        return await Promise.race([send, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await producer.disconnect();
    },
  };
}
