import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { defaultRetry, type KafkaClient } from './client';
import { murmur2 } from './murmur2';
import { useLeanProduceEncoder } from './produce-request';
import { withTimeout } from './publish-timeout';
import type { OutgoingRecord, PublishedRecord, Publisher, PublisherOptions } from './publisher';

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** Header names repeat on every record (content-type, ce_*): encode each name once. */
const headerNames = new Map<string, Buffer>();
const headerName = (name: string): Buffer => {
  let bytes = headerNames.get(name);
  if (!bytes) {
    bytes = Buffer.from(name, 'utf8');
    if (headerNames.size < 256) headerNames.set(name, bytes);
  }
  return bytes;
};

/**
 * Header values that repeat from record to record (content type, spec version, a system's source
 * and its types): their bytes are encoded once. Values that differ per record (ce_id, traceparent)
 * are not kept: the cache is only for names known to repeat.
 */
const REPEATING = new Set(['content-type', 'ce_specversion', 'ce_source', 'ce_type']);
const headerValues = new Map<string, Buffer>();
const headerValue = (name: string, value: string): Buffer => {
  if (!REPEATING.has(name)) return Buffer.from(value, 'utf8');
  let bytes = headerValues.get(value);
  if (!bytes) {
    bytes = Buffer.from(value, 'utf8');
    if (headerValues.size >= 4_096) headerValues.clear();
    headerValues.set(value, bytes);
  }
  return bytes;
};

function toMessage(r: OutgoingRecord): Message {
  const key = Buffer.from(r.key, 'utf8');
  const headers = new Map<Buffer, Buffer>();
  if (r.headers)
    for (const name in r.headers) headers.set(headerName(name), headerValue(name, r.headers[name]!));
  return {
    topic: r.topic,
    key,
    value: typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value,
    headers,
    ...(r.timestampMs === undefined ? {} : { timestamp: BigInt(r.timestampMs) }),
  };
}

/**
 * The {@link Publisher} on @platformatic/kafka (see PRODUCER.md for why it exists and the numbers).
 *
 * Same guarantees as the kafkajs one:
 * - idempotent producer, acks=all, one produce request in flight per broker (the library forces
 *   both when `idempotent` is set);
 * - retried until success (the library sets retries to MAX_SAFE_INTEGER for idempotent
 *   producers; sequence numbers only advance on success, so a retry re-sends the same sequence
 *   and the broker drops a copy that had landed);
 * - the Java client's partitions: keys go through Kafka's murmur2 with the positive mask (the
 *   library's own `defaultPartitioner` skips the mask, so it is not used);
 * - per-key order: `publish` calls are sent one after another. The library reads a partition's
 *   next sequence number when it builds a request, so two sends in flight at once could both claim
 *   the same numbers; serialising them here rules that out.
 */
export async function createPlatformaticPublisher(
  client: KafkaClient,
  options: PublisherOptions = {},
): Promise<Publisher> {
  const { settings } = client;
  const retry = { ...defaultRetry, ...settings.retry };
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: settings.clientId,
    bootstrapBrokers: settings.brokers,
    connectTimeout: settings.connectionTimeoutMs ?? 3_000,
    timeout: settings.requestTimeoutMs ?? 30_000,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: Number.MAX_SAFE_INTEGER,
    // Exponential backoff with jitter between the configured bounds, like the kafkajs retrier.
    retryDelay: (_client, _operation, attempt) =>
      Math.min(retry.maxRetryTimeMs, retry.initialRetryTimeMs * 2 ** Math.min(attempt - 1, 20)) *
      (0.8 + Math.random() * 0.4),
    compression: options.compression === 'gzip' ? 'gzip' : 'none',
    autocreateTopics: false,
    partitioner: (message, key) => {
      // The library takes the result modulo the partition count, as the Java client does.
      const bytes = key ?? message.key;
      // Keyless records are not written by the hub; partition 0 keeps them deterministic.
      return bytes ? murmur2(bytes) & 0x7fffffff : 0;
    },
  });
  // Our Produce encoder: one buffer per request instead of the library's buffer lists (see
  // produce-request.ts); the library's own is used on any other version.
  if (options.produceEncoder !== 'library') useLeanProduceEncoder(producer);
  try {
    // Fails like kafkajs' connect() when no broker answers, and takes the producer id up front.
    await producer.initIdempotentProducer({});
  } catch (error) {
    await producer.close().catch(() => undefined);
    throw error;
  }

  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();
  return {
    publish(records, publishOptions = {}) {
      if (closed) return Promise.reject(new Error('publisher is closed'));
      if (records.length === 0) return Promise.resolve([]);
      const messages = records.map(toMessage);
      const send = tail.then(() => producer.send({ messages }));
      tail = send.catch(() => undefined);
      const published = send.then((result) => {
        const out: PublishedRecord[] = [];
        for (const o of result.offsets ?? []) {
          out.push({ topic: o.topic, partition: o.partition, baseOffset: o.offset.toString() });
        }
        return out;
      });
      return withTimeout(published, publishOptions.timeoutMs);
    },
    async close() {
      if (closed) return;
      closed = true;
      // Not waiting for `tail`: while Kafka is down a send retries for ever. Closing ends its
      // retries and rejects it (its outcome is unknown, as after a timeout).
      await producer.close();
    },
  };
}
