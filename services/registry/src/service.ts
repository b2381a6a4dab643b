import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import {
  createKafkaClient,
  createPublisher,
  ensureTopics,
  kafkaSettingsFromEnv,
  parseBrokers,
} from '@ketenhub/kafka';
import {
  closeServer,
  createLogger,
  createMetrics,
  type Logger,
  listen,
  OpenedParts,
  reachableHost,
} from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { createServer } from './app';
import type { RegistryEnv } from './env';
import { registryMigrations, registrySchema } from './migrations';
import { subscriptionsTopicSpec } from './subscriptions/state-topic';
import { createSubscriptionsService, type SubscriptionsService } from './subscriptions/subscriptions.service';
import { systemsTopicSpec } from './systems/state-topic';
import { createSystemsService, type SystemsService } from './systems/systems.service';
import type { RegistryDatabase } from './systems/systems.table';
import { zgwCallbackCheck } from './zgw-api/callback-check';

/**
 * What is handed in rather than configured. Every setting goes through {@link RegistryEnv}, so a
 * test that starts the registry runs it with the settings a deployment could have.
 */
export interface RegistrySeams {
  /** The process's logger, so its shutdown lines go the same way; by default one at LOG_LEVEL. */
  logger?: Logger;
}

export interface RunningRegistry {
  /** The port listened on (the real one when REGISTRY_PORT is 0). */
  port: number;
  /** Base URL of the operator API as seen from this machine. */
  url: string;
  systems: SystemsService;
  subscriptions: SubscriptionsService;
  /** The registry's own pool. */
  db: Kysely<RegistryDatabase>;
  /**
   * Stops taking requests, flushes the publisher, closes the pool, in that order; a step that fails
   * does not keep the later ones from running, and the failures are thrown together at the end.
   * A start that fails half-way closes what it had opened itself.
   */
  close(): Promise<void>;
}

/**
 * The registry's composition root, used by src/index.ts and by the tests' harness alike: the
 * database migrated, the state topics made, every system and subscription state republished, then
 * the operator API listening on REGISTRY_HOST:REGISTRY_PORT.
 */
export async function startRegistryService(
  env: RegistryEnv,
  seams: RegistrySeams = {},
): Promise<RunningRegistry> {
  if (env.KETENHUB_DEV_TOKENS && !env.KETENHUB_DEV_TOKEN_SECRET) {
    throw new Error('KETENHUB_DEV_TOKENS=true needs KETENHUB_DEV_TOKEN_SECRET');
  }
  const logger = seams.logger ?? createLogger({ service: 'registry', level: env.LOG_LEVEL });
  const parts = new OpenedParts();
  return parts.startOrAbandon(logger, env.SHUTDOWN_TIMEOUT_MS, async () => {
    return await start(env, logger, parts);
  });
}

async function start(env: RegistryEnv, logger: Logger, parts: OpenedParts): Promise<RunningRegistry> {
  const metrics = createMetrics('registry');
  const db = await openServiceDatabase<RegistryDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-registry',
    migrations: registryMigrations,
    schema: registrySchema,
  });
  parts.add('database', () => db.destroy());
  logger.info({ database: redactUrl(env.DATABASE_URL) }, 'database migrated');

  const kafka = createKafkaClient({
    brokers: parseBrokers(env.KAFKA_BROKERS),
    ...kafkaSettingsFromEnv(env),
    clientId: 'ketenhub-registry',
    logger,
  });
  await ensureTopics(kafka, [
    systemsTopicSpec(env.KAFKA_TOPIC_PREFIX),
    subscriptionsTopicSpec(env.KAFKA_TOPIC_PREFIX),
  ]);
  const publisher = await createPublisher(kafka);
  parts.add('kafka publisher', () => publisher.close());

  const subscriptions = createSubscriptionsService({
    db,
    publisher,
    logger,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    publishTimeoutMs: env.REGISTRY_PUBLISH_TIMEOUT_MS,
    webhookKey: env.KETENHUB_WEBHOOK_KEY,
    allowLocalHttp: env.KETENHUB_WEBHOOK_LOCAL_HTTP,
    allowNetworks: env.KETENHUB_WEBHOOK_ALLOW_NETWORKS,
    secretGraceS: env.REGISTRY_WEBHOOK_SECRET_GRACE_S,
    ...(env.REGISTRY_WEBHOOK_HANDSHAKE === 'required'
      ? {
          handshake: {
            origin: env.KETENHUB_WEBHOOK_ORIGIN,
            timeoutMs: env.REGISTRY_WEBHOOK_HANDSHAKE_TIMEOUT_MS,
          },
        }
      : {}),
    zgwCallbackCheck: zgwCallbackCheck(env.REGISTRY_WEBHOOK_HANDSHAKE_TIMEOUT_MS),
  });
  const systems = createSystemsService({
    db,
    kafka,
    publisher,
    logger,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    publishTimeoutMs: env.REGISTRY_PUBLISH_TIMEOUT_MS,
    onRevoke: (trx, row) => subscriptions.onSystemRevoked(trx, row),
  });
  const republished = await systems.republishAll();
  logger.info(
    { systems: republished, subscriptions: await subscriptions.republishAll() },
    'system and subscription states republished',
  );

  const app = createServer({
    logger,
    metrics,
    systems,
    subscriptions,
    adminToken: env.KETENHUB_ADMIN_TOKEN,
    devTokenSecret: env.KETENHUB_DEV_TOKENS ? env.KETENHUB_DEV_TOKEN_SECRET : undefined,
    readiness: { database: () => isDatabaseReachable(db as never) },
    zgwApi: { db, publicUrl: env.REGISTRY_PUBLIC_URL },
  });
  const { server, port } = await listen(app, env.REGISTRY_PORT, env.REGISTRY_HOST);
  // Requests stop first: one still running could otherwise find the publisher or the pool gone.
  parts.add('http', () => closeServer(server));
  logger.info({ port }, 'registry listening');

  return {
    port,
    url: `http://${reachableHost(env.REGISTRY_HOST)}:${port}`,
    systems,
    subscriptions,
    db,
    close: () => parts.close(),
  };
}
