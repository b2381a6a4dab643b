// First: kafkajs must find the replacement record decoder when it loads (see kafkajs-records.ts).
import './kafkajs-records';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';
import { type RefusalCode, refusalInKafkajsLog } from './errors';

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
  /** SASL authentication of every connection (consumers, admin and both producers). */
  sasl?: SaslSettings;
  /**
   * TLS to the brokers: `true` trusts the system's CAs, an object names the CAs to trust. Broker
   * certificates are always verified (there is deliberately no switch to turn that off).
   */
  tls?: boolean | TlsSettings;
  /**
   * Replication factor of the topics {@link ensureTopics} creates; the broker's
   * `default.replication.factor` when unset. 3 on a three-broker cluster.
   */
  replicationFactor?: number;
  /**
   * `min.insync.replicas` of the topics {@link ensureTopics} creates: how many replicas must have
   * an acks=all write before it is confirmed. The broker's default when unset; 2 with factor 3, so
   * one broker may fail without refusing writes and no confirmed write lives on one broker only.
   */
  minInsyncReplicas?: number;
}

export type SaslMechanism = 'scram-sha-512' | 'scram-sha-256';

export interface SaslSettings {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface TlsSettings {
  /** PEM certificates of the CAs the brokers' certificates must chain to (instead of the system's). */
  ca?: string | string[];
  /** A PEM file with those CA certificates, read when the client is created (so settings stay plain data). */
  caFile?: string;
  /** Name the broker certificates must carry (and the SNI name) when it is not the host connected to. */
  servername?: string;
}

/** The libraries the publisher can produce with (consumers and admin stay on kafkajs). */
export type ProducerLibrary = 'kafkajs' | 'platformatic';

export const defaultRetry: RetrySettings = { initialRetryTimeMs: 300, maxRetryTimeMs: 30_000, retries: 8 };

/** An opaque handle other adapter functions take; keeps kafkajs out of callers' types. */
export interface KafkaClient {
  readonly settings: Readonly<KafkaSettings>;
  /** @internal */
  readonly kafka: Kafka;
  /** @internal Node TLS options for the other library (CAs read once); undefined without TLS. */
  readonly tls: ConnectionOptions | undefined;
  /** @internal Told when kafkajs logs a produce attempt the broker refused (see publisher.ts). */
  readonly onProduceRefused: Set<(code: RefusalCode) => void>;
}

/** Parses `KAFKA_BROKERS`-style strings: comma separated, whitespace tolerated. */
export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/** Node TLS options from the settings; the CA file is read here, once, with an error that names it. */
export function tlsOptions(settings: Pick<KafkaSettings, 'tls' | 'brokers'>): ConnectionOptions | undefined {
  const tls = settings.tls;
  if (!tls) return undefined;
  if (tls === true) return {};
  const ca: string[] = [];
  if (tls.ca !== undefined) ca.push(...(Array.isArray(tls.ca) ? tls.ca : [tls.ca]));
  if (tls.caFile !== undefined) {
    try {
      ca.push(readFileSync(tls.caFile, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read the Kafka TLS CA file ${tls.caFile}: ${(error as Error).message}`);
    }
  }
  return {
    ...(ca.length > 0 ? { ca } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

/** Whether a `host:port` names its host by IP address (no SNI for those: RFC 6066). */
export const isIpBroker = (broker: string): boolean => {
  const host = broker.startsWith('[') ? broker.slice(1, broker.indexOf(']')) : broker.replace(/:\d+$/, '');
  return isIP(host) !== 0;
};

export function createKafkaClient(settings: KafkaSettings): KafkaClient {
  const retry = { ...defaultRetry, ...settings.retry };
  const log = settings.logger;
  const tls = tlsOptions(settings);
  const onProduceRefused = new Set<(code: RefusalCode) => void>();
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...(tls ? { ssl: tls } : {}),
    ...(settings.sasl ? { sasl: kafkajsSasl(settings.sasl) } : {}),
    connectionTimeout: settings.connectionTimeoutMs ?? 3_000,
    requestTimeout: settings.requestTimeoutMs ?? 30_000,
    retry: {
      initialRetryTime: retry.initialRetryTimeMs,
      maxRetryTime: retry.maxRetryTimeMs,
      retries: retry.retries,
      factor: 0.2,
      multiplier: 2,
    },
    // ERROR at least, even without a logger: a refused produce attempt is only ever logged.
    logLevel: log ? logLevel.INFO : logLevel.ERROR,
    logCreator: () => (entry: LogEntry) => {
      if (entry.level === logLevel.ERROR && onProduceRefused.size > 0) {
        const refused = refusalInKafkajsLog(entry.log.message);
        if (refused) for (const listener of onProduceRefused) listener(refused);
      }
      if (!log) return;
      const { message, ...rest } = entry.log;
      const fields = { kafka: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR) log.error(fields, message);
      else if (entry.level === logLevel.WARN) log.warn(fields, message);
      else if (entry.level === logLevel.INFO) log.info(fields, message);
      else log.debug(fields, message);
    },
  });
  return { settings, kafka, tls, onProduceRefused };
}

function kafkajsSasl(sasl: SaslSettings): SASLOptions {
  const { username, password } = sasl;
  return sasl.mechanism === 'scram-sha-256'
    ? { mechanism: 'scram-sha-256', username, password }
    : { mechanism: 'scram-sha-512', username, password };
}
