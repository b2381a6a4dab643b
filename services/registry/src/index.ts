import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import {
  createKafkaClient,
  createPublisher,
  ensureTopics,
  kafkaSettingsFromEnv,
  parseBrokers,
} from '@ketenhub/kafka';
import { closeServer, createLogger, createMetrics, listen, loadEnv, onShutdown } from '@ketenhub/service';
import { createServer } from './app';
import { registryEnv } from './env';
import { registryMigrations, registrySchema } from './migrations';
import { subscriptionsTopicSpec } from './subscriptions/state-topic';
import { createSubscriptionsService } from './subscriptions/subscriptions.service';
import { systemsTopicSpec } from './systems/state-topic';
import { createSystemsService } from './systems/systems.service';
import type { RegistryDatabase } from './systems/systems.table';
import { zgwCallbackCheck } from './zgw-api/callback-check';

/** The registry's composition root: env, clients, wiring, listen, graceful shutdown. */
async function main() {
  const env = loadEnv(registryEnv);
  const logger = createLogger({ service: 'registry', level: env.LOG_LEVEL });
  if (env.KETENHUB_DEV_TOKENS && !env.KETENHUB_DEV_TOKEN_SECRET) {
    throw new Error('KETENHUB_DEV_TOKENS=true needs KETENHUB_DEV_TOKEN_SECRET');
  }
  const metrics = createMetrics('registry');

  const db = await openServiceDatabase<RegistryDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-registry',
    migrations: registryMigrations,
    schema: registrySchema,
  });
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
  logger.info({ port }, 'registry listening');

  onShutdown(
    logger,
    [
      { name: 'database', close: () => db.destroy() },
      { name: 'kafka publisher', close: () => publisher.close() },
      { name: 'http', close: () => closeServer(server) },
    ],
    env.SHUTDOWN_TIMEOUT_MS,
  );
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad env): one line on stderr, then a non-zero exit.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
