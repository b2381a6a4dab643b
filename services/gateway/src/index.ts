import { randomUUID } from 'node:crypto';
import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import { SystemDirectory, startDirectoryConsumer, systemsTopic, systemsTopicName } from '@ketenhub/directory';
import { caseDomains } from '@ketenhub/events';
import {
  caseEventTopic,
  createKafkaClient,
  createPublisher,
  ensureTopics,
  kafkaSettingsFromEnv,
  parseBrokers,
} from '@ketenhub/kafka';
import {
  closeServer,
  createCaseWorkerVerifier,
  createLogger,
  createMetrics,
  issuersFromEnv,
  listen,
  loadEnv,
  onShutdown,
} from '@ketenhub/service';
import { createRequestListener, createServer, type GatewayDeps } from './app';
import { createAuthenticator } from './auth/authenticate';
import { CaseBook } from './cases/case-book';
import { startCaseNotices } from './cases/case-notices';
import { startCasesWorker } from './cases/cases.worker';
import type { GatewayDatabase } from './db';
import { gatewayEnv } from './env';
import { Acceptor } from './ingest/acceptor';
import { CheckPool } from './ingest/check-pool';
import { createIngest } from './ingest/ingest';
import { IngressManager } from './ingress/ingress';
import { gatewayMigrations, gatewaySchema } from './migrations';
import { RateLimiter } from './ratelimit/token-bucket';

/** The gateway's composition root: env, clients, wiring, listen, graceful shutdown. */
async function main() {
  const env = loadEnv(gatewayEnv);
  const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL });
  const metrics = createMetrics('gateway');
  const prefix = env.KAFKA_TOPIC_PREFIX;

  const db = await openServiceDatabase<GatewayDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-gateway',
    maxConnections: env.GATEWAY_DB_POOL,
    migrations: gatewayMigrations,
    schema: gatewaySchema,
  });
  logger.info({ database: redactUrl(env.DATABASE_URL) }, 'database migrated');

  // SASL/TLS and replication from the environment (docs/kafka.md); plain data, so the cases
  // worker thread gets the same.
  const kafkaSecurity = kafkaSettingsFromEnv(env);
  const kafka = createKafkaClient({
    brokers: parseBrokers(env.KAFKA_BROKERS),
    ...kafkaSecurity,
    clientId: 'ketenhub-gateway',
    logger,
    ...(env.GATEWAY_KAFKA_PRODUCER ? { producer: env.GATEWAY_KAFKA_PRODUCER } : {}),
  });
  const domainTopic = (domain: string) => `${prefix}${domain}`;
  await ensureTopics(kafka, [
    ...caseDomains.map((d) => caseEventTopic(domainTopic(d), env.KAFKA_PARTITIONS)),
    // The registry's spec (one home: @ketenhub/kafka stateTopic); whoever starts first creates it.
    systemsTopic(prefix),
  ]);
  const publisher = await createPublisher(kafka);

  const directory = new SystemDirectory();
  const systemsConsumer = await startDirectoryConsumer({
    kafka,
    topic: systemsTopicName(prefix),
    directory,
    logger,
    groupPrefix: `${prefix}gateway-`,
  });

  // Notices only arrive once the connection is up, after caseBook exists.
  const notices = startCaseNotices({
    url: env.DATABASE_URL,
    logger,
    onNotice: (origin, ids) => caseBook.noticed(origin, ids),
    onLost: () => caseBook.clear(),
  });
  const caseBook = new CaseBook(db, {
    ctx: { hubOin: env.KETENHUB_HUB_OIN },
    live: () => notices.isConnected(),
    origin: randomUUID(),
  });
  const casesWorker = await startCasesWorker({
    config: {
      databaseUrl: env.DATABASE_URL,
      brokers: env.KAFKA_BROKERS,
      kafkaSecurity,
      topics: caseDomains.map(domainTopic),
      // Not `gateway-cases` (the group of the case book before access events): a group Kafka has no
      // offsets of reads from the beginning, which is what refills case_access_events (migrations.ts).
      groupId: `${prefix}gateway-access`,
      sessionTimeoutMs: env.GATEWAY_SESSION_TIMEOUT_MS,
      logLevel: env.LOG_LEVEL,
    },
    logger,
    metrics,
  });

  const acceptor = new Acceptor({
    db,
    publisher,
    caseBook,
    logger,
    publishTimeoutMs: env.GATEWAY_PUBLISH_TIMEOUT_MS,
    maxBatch: env.GATEWAY_PUBLISH_BATCH_MAX,
    concurrency: env.GATEWAY_PUBLISH_CONCURRENCY,
  });
  const ingest = createIngest({
    caseBook,
    acceptor,
    directory,
    hubOin: env.KETENHUB_HUB_OIN,
    domainTopic,
    retryAfterS: env.GATEWAY_RETRY_AFTER_S,
  });

  const ingress = env.GATEWAY_INGRESS
    ? new IngressManager({
        kafka,
        db,
        publisher,
        directory,
        ingest,
        logger,
        metrics,
        topicPrefix: prefix,
        partitions: env.KAFKA_PARTITIONS,
        publishTimeoutMs: env.GATEWAY_PUBLISH_TIMEOUT_MS,
      })
    : undefined;
  ingress?.start();

  const checkPool =
    env.GATEWAY_CHECK_THREADS > 0
      ? await CheckPool.start({ threads: env.GATEWAY_CHECK_THREADS, logger })
      : undefined;

  const caseWorkers = createCaseWorkerVerifier(issuersFromEnv(env));
  const deps: GatewayDeps = {
    logger,
    metrics,
    authenticate: createAuthenticator(directory, caseWorkers),
    ingest,
    rateLimiter: new RateLimiter(env.GATEWAY_RATE_LIMIT_PER_S, env.GATEWAY_RATE_LIMIT_BURST),
    maxBatchEvents: env.GATEWAY_MAX_BATCH_EVENTS,
    maxBatchBytes: env.GATEWAY_MAX_BATCH_BYTES,
    publicContract: env.GATEWAY_PUBLIC_CONTRACT,
    readiness: {
      database: () => isDatabaseReachable(db as never),
      systems: () => systemsConsumer.isCaughtUp(),
      cases: () => casesWorker.isReady(),
    },
    accessLogLevel: env.GATEWAY_ACCESS_LOG_LEVEL,
    ...(checkPool ? { checkPool } : {}),
  };
  const app = createServer(deps);
  const { server, port } = await listen(createRequestListener(app, deps), env.GATEWAY_PORT, env.GATEWAY_HOST);
  logger.info({ port }, 'gateway listening');

  onShutdown(
    logger,
    [
      { name: 'database', close: () => db.destroy() },
      { name: 'kafka publisher', close: () => publisher.close() },
      { name: 'systems consumer', close: () => systemsConsumer.stop() },
      { name: 'cases consumer', close: () => casesWorker.stop() },
      { name: 'case notices', close: () => notices.close() },
      { name: 'check threads', close: async () => checkPool?.close() },
      { name: 'ingress consumers', close: async () => ingress?.close() },
      // Runs after the server stopped taking requests: answers what is in flight, then the rest closes.
      { name: 'accepted events in flight', close: () => acceptor.close(env.SHUTDOWN_TIMEOUT_MS / 2) },
      { name: 'http', close: () => closeServer(server) },
    ],
    env.SHUTDOWN_TIMEOUT_MS,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
