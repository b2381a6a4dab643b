import {
  GenericError,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  TimeoutError,
} from '@platformatic/kafka';
import { defaultRetry, isIpBroker, type KafkaClient } from './client';
import { isKafkaAccessDenied, isRefusalCode, kafkaErrorCode } from './errors';
import { murmur2 } from './murmur2';
import { useLeanProduceEncoder } from './produce-request';
import { Refusals, withTimeout } from './publish-timeout';
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

/** Attempts per library call; then {@link createPlatformaticPublisher}'s own loop sends again. */
const LIBRARY_RETRIES = 2;

/** Longest wait between two sends of a write that failed: a failover should be noticed in seconds. */
export const MAX_SEND_BACKOFF_MS = 5_000;

/**
 * How long a broker may wait for the in-sync replicas to have a write (acks=all) before it answers
 * "timed out" and the write is sent again. Kafka's 30 s default is what a second dead broker cost
 * before the refusal showed: the leader waits for the dead follower until the request times out
 * (Kafka 4 no longer confirms below min.insync.replicas, KIP-966), and only the next attempt hears
 * NOT_ENOUGH_REPLICAS. Callers wait 5 s at most anyway; a resend is harmless (idempotent).
 */
export const PRODUCE_ACK_TIMEOUT_MS = 10_000;

/** Longest wait before sending a refused write again. */
const REFUSED_BACKOFF_MS = 1_000;

type ProduceResult = Awaited<ReturnType<Producer<Buffer, Buffer, Buffer, Buffer>['send']>>;

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The same hash the partitioner below returns; the library takes it modulo the partition count. */
const keyHash = (m: Message): number => (m.key ? murmur2(m.key) & 0x7fffffff : 0);

/**
 * The {@link Publisher} on @platformatic/kafka (see PRODUCER.md for why it exists and the numbers).
 *
 * Same guarantees as the kafkajs one:
 * - idempotent producer, acks=all, one produce request in flight per broker (the library forces
 *   both when `idempotent` is set);
 * - retried until success, by a loop here around the library's send. The library alone would
 *   retry for ever too, but always on the partition leader it looked up first: after that broker
 *   died, its writes waited until it came back, however soon another broker took over (measured
 *   on the three-broker cluster: stuck for the whole outage). So the library retries a few times,
 *   then this loop forgets the metadata and sends again, to whichever broker leads now. Only the
 *   records of partitions that were not confirmed go again: the library advances a partition's
 *   sequence number only when the broker confirmed it, so a resent record carries the same
 *   sequence and the broker drops it if an earlier attempt had landed after all;
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
  const maxBackoff = Math.min(retry.maxRetryTimeMs, MAX_SEND_BACKOFF_MS);
  const refusals = new Refusals();
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: settings.clientId,
    bootstrapBrokers: settings.brokers,
    ...(client.tls ? { tls: client.tls } : {}),
    // SNI only for host names: an IP address is not a server name (RFC 6066), and Node warns.
    ...(client.tls && (client.tls.servername || !settings.brokers.some(isIpBroker))
      ? { tlsServerName: client.tls.servername ?? true }
      : {}),
    ...(settings.sasl
      ? {
          sasl: {
            mechanism: settings.sasl.mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512',
            username: settings.sasl.username,
            password: settings.sasl.password,
          },
        }
      : {}),
    connectTimeout: settings.connectionTimeoutMs ?? 3_000,
    // The library uses one timeout for every request and as the brokers' wait for acks=all.
    timeout: Math.min(settings.requestTimeoutMs ?? 30_000, PRODUCE_ACK_TIMEOUT_MS),
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Applies to every request; at least 2, or the library replaces it with "for ever".
    retries: LIBRARY_RETRIES,
    // Also the one place a produce attempt's error shows while the library retries it.
    retryDelay: (_client, operation, attempt, _retries, error) => {
      if (operation === 'produce') {
        const code = kafkaErrorCode(error);
        if (isRefusalCode(code)) refusals.report(code);
      }
      return backoff(retry.initialRetryTimeMs, maxBackoff, attempt - 1);
    },
    compression: options.compression === 'gzip' ? 'gzip' : 'none',
    autocreateTopics: false,
    partitioner: (message) => keyHash(message),
  });
  // Our Produce encoder: one buffer per request instead of the library's buffer lists (see
  // produce-request.ts); the library's own is used on any other version.
  if (options.produceEncoder !== 'library') useLeanProduceEncoder(producer);
  try {
    // Fails like kafkajs' connect() when no broker answers (or it refuses the credentials), and
    // takes the producer id up front.
    await producer.initIdempotentProducer({});
  } catch (error) {
    await producer.close().catch(() => undefined);
    throw error;
  }

  let closed = false;
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  /** The partitions still to be confirmed, with their records in their order. */
  const unconfirmed = async (messages: Message[], confirmed: Set<string>): Promise<Message[]> => {
    if (confirmed.size === 0) return messages;
    const topics = [...new Set(messages.map((m) => m.topic))];
    const metadata = await producer.metadata({ topics });
    return messages.filter((m) => {
      const count = metadata.topics.get(m.topic)?.partitionsCount;
      if (!count) throw new Error(`no partitions known for ${m.topic}`);
      return !confirmed.has(partitionKey(m.topic, keyHash(m) % count));
    });
  };

  const sendUntilConfirmed = async (messages: Message[]): Promise<PublishedRecord[]> => {
    const out: PublishedRecord[] = [];
    const confirmed = new Set<string>();
    const take = (offsets: ProduceResult['offsets']) => {
      for (const o of offsets ?? []) {
        out.push({ topic: o.topic, partition: o.partition, baseOffset: o.offset.toString() });
        confirmed.add(partitionKey(o.topic, o.partition));
      }
    };
    for (let attempt = 0; ; attempt++) {
      if (closed) throw new Error('publisher is closed');
      try {
        const pending = await unconfirmed(messages, confirmed);
        if (pending.length === 0) break;
        take((await producer.send({ messages: pending })).offsets);
        break;
      } catch (error) {
        take((error as { produced?: ProduceResult }).produced?.offsets);
        if (closed || !retriable(error)) throw error;
        const code = kafkaErrorCode(error);
        const refused = isRefusalCode(code);
        if (refused) refusals.report(code);
        producer.clearMetadata();
        // A refusal is answered at once and costs the broker nothing; asking again soon keeps the
        // time writes are refused after the replicas are back (see Refusals) short.
        await sleep(backoff(retry.initialRetryTimeMs, refused ? REFUSED_BACKOFF_MS : maxBackoff, attempt));
      }
    }
    refusals.confirmed();
    return out;
  };

  let tail: Promise<unknown> = Promise.resolve();
  return {
    publish(records, publishOptions = {}) {
      if (closed) return Promise.reject(new Error('publisher is closed'));
      if (records.length === 0) return Promise.resolve([]);
      const messages = records.map(toMessage);
      const published = tail.then(() => sendUntilConfirmed(messages));
      tail = published.catch(() => undefined);
      return withTimeout(published, publishOptions.timeoutMs, refusals);
    },
    refusal: () => refusals.current(),
    async close() {
      if (closed) return;
      closed = true;
      // Not waiting for `tail`: while Kafka is down a send retries for ever. Closing ends its
      // retries and rejects it (its outcome is unknown, as after a timeout).
      await producer.close();
    },
  };
}

/** Exponential backoff with jitter between the bounds, like the kafkajs retrier. */
const backoff = (initialMs: number, maxMs: number, attempt: number): number =>
  Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20)) * (0.8 + Math.random() * 0.4);

/**
 * What may be sent again: errors of the library whose every link is retriable, where a request
 * timeout counts as retriable too (the library gives up on one, but for an idempotent write it
 * is only "no answer yet": a resend with the same sequence is dropped if the first one landed).
 * Not a refusal of who this client is or what it may write: asking again grants nothing.
 */
function retriable(error: unknown): boolean {
  if (isKafkaAccessDenied(error) || !GenericError.isGenericError(error as Error)) return false;
  const ok = (e: unknown, depth: number): boolean => {
    if (depth > 8 || typeof e !== 'object' || e === null) return true;
    if (e instanceof TimeoutError) return true;
    const fields = e as { canRetry?: unknown; errors?: unknown; cause?: unknown };
    if (fields.canRetry === false) return false;
    const nested = [...(Array.isArray(fields.errors) ? fields.errors : []), fields.cause];
    return nested.every((inner) => ok(inner, depth + 1));
  };
  return ok(error, 0);
}
