import { createDatabase } from '@ketenhub/db';
import { caseDomains } from '@ketenhub/events';
import { createKafkaClient, type KafkaClient, kafkaSettingsFromEnv, parseBrokers } from '@ketenhub/kafka';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import type { CliEnv } from './env';
import { ServiceClient, type ServiceName } from './http';
import type { Io } from './output';

/**
 * What a command may use, made on first use and closed after the command: most commands need only
 * one of PostgreSQL, Kafka and HTTP, and a CLI should not hold a pool it never queries.
 */
export class Context {
  private database: Kysely<unknown> | undefined;
  private client: KafkaClient | undefined;
  readonly logger: Logger;

  constructor(
    readonly env: CliEnv,
    readonly io: Io,
    readonly now: () => Date = () => new Date(),
  ) {
    // stderr: stdout carries the command's answer (and its JSON).
    this.logger = pino(
      { name: 'ketenhub-cli', level: env.LOG_LEVEL, base: { service: 'ketenhub-cli' } },
      pino.destination(2),
    );
  }

  get db(): Kysely<unknown> {
    this.database ??= createDatabase<unknown>({
      url: this.env.DATABASE_URL,
      maxConnections: 6,
      applicationName: 'ketenhub-cli',
    });
    return this.database;
  }

  get kafka(): KafkaClient {
    this.client ??= createKafkaClient({
      brokers: parseBrokers(this.env.KAFKA_BROKERS),
      ...kafkaSettingsFromEnv(this.env),
      clientId: 'ketenhub-cli',
      // An operator waits at the prompt: say the broker is gone after a few tries, not minutes.
      retry: { retries: 3, initialRetryTimeMs: 300, maxRetryTimeMs: 3_000 },
      connectionTimeoutMs: 3_000,
    });
    return this.client;
  }

  service(name: ServiceName): ServiceClient {
    const urls: Record<ServiceName, string> = {
      registry: this.env.KETENHUB_REGISTRY_URL,
      gateway: this.env.KETENHUB_GATEWAY_URL,
      projection: this.env.KETENHUB_PROJECTION_URL,
      dispatcher: this.env.KETENHUB_DISPATCHER_URL,
    };
    return new ServiceClient(
      name,
      urls[name].replace(/\/+$/, ''),
      this.env.KETENHUB_ADMIN_TOKEN,
      this.env.KETENHUB_HTTP_TIMEOUT_MS,
    );
  }

  /** Domain topics of the hub (every consumer the CLI knows reads these). */
  get domainTopics(): string[] {
    return caseDomains.map((d) => `${this.env.KAFKA_TOPIC_PREFIX}${d}`);
  }

  async close(): Promise<void> {
    await this.database?.destroy();
    this.database = undefined;
  }
}
