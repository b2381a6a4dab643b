// First: kafkajs must find the replacement record decoder when it loads (see kafkajs-records.ts).
import './kafkajs-records';
import { Kafka, type LogEntry, logLevel } from 'kafkajs';

/** The one logger shape the adapter needs; pino satisfies it. */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Retry settings for every request the client makes (metadata, produce, fetch, admin). */
export interface RetrySettings {
  /** First backoff in ms. */
  initialRetryTimeMs: number;
  /** Upper bound of one backoff in ms. */
  maxRetryTimeMs: number;
  /** Attempts after the first; the idempotent producer ignores this (see publisher.ts). */
  retries: number;
}

export interface KafkaSettings {
  /** `host:port` list. */
  brokers: string[];
  /** Names this process in broker logs and quotas. */
  clientId: string;
  logger?: AdapterLogger;
  /**
   * kafkajs silently switches to 50 ms / 1 s backoffs when NODE_ENV=test, which hides real
   * behaviour in tests and would be wrong in production; so the values are always explicit.
   */
  retry?: Partial<RetrySettings>;
  /** TCP connect timeout per broker in ms. */
  connectionTimeoutMs?: number;
  /** Request timeout in ms. */
  requestTimeoutMs?: number;
  /**
   * Client library behind {@link createPublisher}; same guarantees either way (idempotent, acks=all,
   * Java-compatible murmur2 partitions, retried until success). Default and measurements: PRODUCER.md.
   */
  producer?: ProducerLibrary;
}

/** The libraries the publisher can produce with (consumers and admin stay on kafkajs). */
export type ProducerLibrary = 'kafkajs' | 'platformatic';

export const defaultRetry: RetrySettings = { initialRetryTimeMs: 300, maxRetryTimeMs: 30_000, retries: 8 };

/** An opaque handle other adapter functions take; keeps kafkajs out of callers' types. */
export interface KafkaClient {
  readonly settings: Readonly<KafkaSettings>;
  /** @internal */
  readonly kafka: Kafka;
}

/** Parses `KAFKA_BROKERS`-style strings: comma separated, whitespace tolerated. */
export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

export function createKafkaClient(settings: KafkaSettings): KafkaClient {
  const retry = { ...defaultRetry, ...settings.retry };
  const log = settings.logger;
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectionTimeoutMs ?? 3_000,
    requestTimeout: settings.requestTimeoutMs ?? 30_000,
    retry: {
      initialRetryTime: retry.initialRetryTimeMs,
      maxRetryTime: retry.maxRetryTimeMs,
      retries: retry.retries,
      factor: 0.2,
      multiplier: 2,
    },
    logLevel: log ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...rest } = entry.log;
      const fields = { kafka: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR) log.error(fields, message);
      else if (entry.level === logLevel.WARN) log.warn(fields, message);
      else if (entry.level === logLevel.INFO) log.info(fields, message);
      else log.debug(fields, message);
    },
  });
  return { settings, kafka };
}
