import { hostname } from 'node:os';
import { createDatabase, ensureDatabase, isDatabaseReachable, redactUrl } from '@ketenhub/db';
import { SystemDirectory, startDirectoryConsumer, systemsTopic, systemsTopicName } from '@ketenhub/directory';
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
  onShutdown,
} from '@ketenhub/service';
import { createServer } from './app';
import { startProjectionConsumer } from './consumer/consumer';
import { startConsumerSupervisor } from './consumer/supervisor';
import { type ProjectionDatabase, untyped } from './database';
import { startDeadlineScanner } from './deadlines/scanner';
import { devPseudonymKey, loadProjectionEnv } from './env';
import { createProcessingLog } from './processing-log/processing-log';
import { startLiveCases } from './stream/live-cases';
import { ensureActiveVersion } from './versions/versions';

/** The projection's only composition root: reads env, builds clients, wires features, listens. */
async function main() {
  const env = loadProjectionEnv();
  const logger = createLogger({ service: 'projection', level: env.LOG_LEVEL });
  const metrics = createMetrics('projection');
  const closers: { name: string; close: () => Promise<void> }[] = [];
  onShutdown(logger, closers, env.SHUTDOWN_TIMEOUT_MS);

  await ensureDatabase(env.DATABASE_URL);
  const db = createDatabase<ProjectionDatabase>({
    url: env.DATABASE_URL,
    maxConnections: env.PROJECTION_DB_POOL,
    applicationName: 'ketenhub-projection',
  });
  closers.push({ name: 'database', close: () => db.destroy() });
  const version = await ensureActiveVersion(untyped(db), env.PROJECTION_SCHEMA, env.PROJECTION_GROUP_ID);
  logger.info(
    { database: redactUrl(env.DATABASE_URL), version: version.versie, schema: version.schema },
    'projection version ready',
  );

  const kafka = createKafkaClient({
    brokers: parseBrokers(env.KAFKA_BROKERS),
    ...kafkaSettingsFromEnv(env),
    clientId: 'ketenhub-projection',
    logger,
  });
  const topics = ['wmo', 'omgevingswet'].map((d) => `${env.KAFKA_TOPIC_PREFIX}${d}`);
  await ensureTopics(kafka, [
    ...topics.map((t) => caseEventTopic(t, env.KAFKA_PARTITIONS)),
    systemsTopic(env.KAFKA_TOPIC_PREFIX),
  ]);
  const publisher = await createPublisher(kafka);
  closers.push({ name: 'publisher', close: () => publisher.close() });

  const ctx = { hubOin: env.KETENHUB_HUB_OIN };
  const supervisor = await startConsumerSupervisor({
    db,
    schema: env.PROJECTION_SCHEMA,
    pollMs: env.PROJECTION_VERSION_POLL_MS,
    logger,
    start: (v, onStop) =>
      startProjectionConsumer({
        client: kafka,
        db,
        version: v,
        topics,
        ctx,
        logger,
        metrics,
        partitionsConcurrently: env.PROJECTION_PARTITIONS_CONCURRENTLY,
        transactions: env.PROJECTION_TRANSACTIONS,
        maxRecordsPerTransaction: env.PROJECTION_MAX_RECORDS_PER_TRANSACTION,
        maxBytesPerPartition: env.PROJECTION_MAX_BYTES_PER_PARTITION,
        sessionTimeoutMs: env.PROJECTION_SESSION_TIMEOUT_MS,
        onStop,
      }),
  });
  closers.push({ name: 'consumer', close: () => supervisor.stop() });

  const { cases, streamHub, listener } = startLiveCases({
    db,
    schema: env.PROJECTION_SCHEMA,
    url: env.DATABASE_URL,
    logger,
    cacheEntries: env.PROJECTION_CASE_CACHE,
    onVersionSwitch: () => supervisor.check(),
  });
  closers.push({ name: 'listener', close: () => listener.close() });

  // Registered systems, from the registry's compacted topic: the catch-up feed authenticates them.
  const directory = new SystemDirectory();
  const systems = await startDirectoryConsumer({
    kafka,
    topic: systemsTopicName(env.KAFKA_TOPIC_PREFIX),
    directory,
    logger,
    groupPrefix: `${env.KAFKA_TOPIC_PREFIX}projection-`,
  });
  closers.push({ name: 'systems', close: () => systems.stop() });

  const processingLog = createProcessingLog(db, env.PROJECTION_SCHEMA);
  closers.push({ name: 'processing-log', close: () => processingLog.close() });

  if (env.PROJECTION_DEADLINE_SCAN_MS > 0) {
    const scanner = startDeadlineScanner({
      db,
      schema: env.PROJECTION_SCHEMA,
      publisher,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      hubOin: env.KETENHUB_HUB_OIN,
      instanceId: `${hostname()}:${process.pid}`,
      leaseMs: env.PROJECTION_DEADLINE_LEASE_MS,
      logger,
      now: () => new Date(),
      intervalMs: env.PROJECTION_DEADLINE_SCAN_MS,
    });
    closers.push({ name: 'deadline-scanner', close: () => scanner.stop() });
  }

  const issuers = issuersFromEnv(env);
  const app = createServer({
    db,
    schema: env.PROJECTION_SCHEMA,
    verifier: createCaseWorkerVerifier(issuers),
    issuers,
    logger,
    metrics,
    readiness: {
      consumer: () => supervisor.isReady(),
      database: () => isDatabaseReachable(untyped(db)),
      listen: () => listener.isConnected(),
      systems: () => systems.isCaughtUp(),
    },
    systems: { byTokenFresh: (token) => directory.byTokenFresh(token) },
    cases,
    processingLog,
    streamHub,
    pseudonymKey: env.PROJECTION_PSEUDONYM_KEY ?? devPseudonymKey,
    ...(env.KETENHUB_ADMIN_TOKEN ? { adminToken: env.KETENHUB_ADMIN_TOKEN } : {}),
    now: () => new Date(),
  });
  const { server, port } = await listen(app, env.PROJECTION_PORT, env.PROJECTION_HOST);
  closers.push({ name: 'http', close: () => closeServer(server) });
  logger.info({ port, host: env.PROJECTION_HOST, topics }, 'projection listening');
}

main().catch((error: unknown) => {
  // Before the logger exists (bad env) the message is all there is; it names variables, not values.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
