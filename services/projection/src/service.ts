import { hostname } from 'node:os';
import { createDatabase, ensureDatabase, isDatabaseReachable, type Listener, redactUrl } from '@ketenhub/db';
import { SystemDirectory, startDirectoryConsumer, systemsTopic, systemsTopicName } from '@ketenhub/directory';
import {
  caseEventTopic,
  createKafkaClient,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  kafkaSettingsFromEnv,
  parseBrokers,
} from '@ketenhub/kafka';
import {
  closeServer,
  createCaseWorkerVerifier,
  createLogger,
  createMetrics,
  issuersFromEnv,
  type Logger,
  listen,
  OpenedParts,
  reachableHost,
} from '@ketenhub/service';
import { createServer } from './app';
import type { CaseCache } from './cases/case-cache';
import { projectedTopics, startProjectionConsumer } from './consumer/consumer';
import { type ConsumerSupervisor, startConsumerSupervisor } from './consumer/supervisor';
import { type ProjectionDatabase, type ProjectionDb, untyped } from './database';
import { startDeadlineScanner } from './deadlines/scanner';
import { devPseudonymKey, type ProjectionEnv } from './env';
import { createProcessingLog, type ProcessingLog } from './processing-log/processing-log';
import type { StreamHub } from './stream/hub';
import { startLiveCases } from './stream/live-cases';
import { ensureActiveVersion, type VersionInfo } from './versions/versions';

/**
 * What a caller may hand in that is not configuration. Everything an operator could want to set
 * is an env variable instead, so a test cannot run the service in a way production cannot.
 */
export interface ProjectionSeams {
  /** Default: a pino logger at LOG_LEVEL. */
  logger?: Logger;
  /** A client the caller shares (tests); by default one is built from the KAFKA_* variables. */
  kafka?: KafkaClient;
  /** "Today" for the legal clocks and the deadline scan; tests fix it so clocks are stable. */
  now?: () => Date;
}

export interface RunningProjection {
  /** The bound port (PROJECTION_PORT 0 picks a free one). */
  port: number;
  /** Where this machine reaches the API. */
  url: string;
  db: ProjectionDb;
  /** The version active when the service started (the supervisor follows later switches). */
  version: VersionInfo;
  /** The case-event topics consumed, by domain. */
  topics: ReturnType<typeof projectedTopics>;
  consumer: ConsumerSupervisor;
  cases: CaseCache;
  streamHub: StreamHub;
  listener: Listener;
  /** Registered systems; tests may also apply records to it directly. */
  directory: SystemDirectory;
  processingLog: ProcessingLog;
  /** Stops taking requests first and closes the pool last; a second call waits for the first. */
  close(): Promise<void>;
}

/**
 * Starts the projection from its parsed env: the one wiring that both src/index.ts and the tests
 * run, so a test exercises the consumer, LISTEN, cache, directory and API exactly as deployed.
 * A failed start closes what it opened before rethrowing, since the caller has nothing to close.
 */
export async function startProjectionService(
  env: ProjectionEnv,
  seams: ProjectionSeams = {},
): Promise<RunningProjection> {
  const logger = seams.logger ?? createLogger({ service: 'projection', level: env.LOG_LEVEL });
  const now = seams.now ?? (() => new Date());
  const metrics = createMetrics('projection');
  // Closed in reverse: stop taking requests, let the consumer finish its batch, flush the
  // producer, close the pool.
  const parts = new OpenedParts();
  const close = () => parts.close();

  return parts.startOrAbandon(logger, env.SHUTDOWN_TIMEOUT_MS, async () => {
    await ensureDatabase(env.DATABASE_URL);
    const db = createDatabase<ProjectionDatabase>({
      url: env.DATABASE_URL,
      maxConnections: env.PROJECTION_DB_POOL,
      applicationName: 'ketenhub-projection',
    });
    parts.add('database', () => db.destroy());
    const version = await ensureActiveVersion(untyped(db), env.PROJECTION_SCHEMA, env.PROJECTION_GROUP_ID);
    logger.info(
      { database: redactUrl(env.DATABASE_URL), version: version.versie, schema: version.schema },
      'projection version ready',
    );

    const kafka =
      seams.kafka ??
      createKafkaClient({
        brokers: parseBrokers(env.KAFKA_BROKERS),
        ...kafkaSettingsFromEnv(env),
        clientId: 'ketenhub-projection',
        logger,
      });
    const topics = projectedTopics(env.KAFKA_TOPIC_PREFIX);
    await ensureTopics(kafka, [
      ...Object.values(topics).map((t) => caseEventTopic(t, env.KAFKA_PARTITIONS)),
      systemsTopic(env.KAFKA_TOPIC_PREFIX),
    ]);
    // The hub's own events (termijn-verstreken, from the deadline scan).
    const publisher = await createPublisher(kafka);
    parts.add('publisher', () => publisher.close());

    const ctx = { hubOin: env.KETENHUB_HUB_OIN };
    const consumer = await startConsumerSupervisor({
      db,
      schema: env.PROJECTION_SCHEMA,
      pollMs: env.PROJECTION_VERSION_POLL_MS,
      logger,
      start: (v, onStop) =>
        startProjectionConsumer({
          client: kafka,
          db,
          version: v,
          topics: Object.values(topics),
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
    parts.add('consumer', () => consumer.stop());

    const { cases, streamHub, listener } = startLiveCases({
      db,
      schema: env.PROJECTION_SCHEMA,
      url: env.DATABASE_URL,
      logger,
      cacheEntries: env.PROJECTION_CASE_CACHE,
      onVersionSwitch: () => consumer.check(),
    });
    parts.add('listener', () => listener.close());

    // Registered systems, from the registry's compacted topic: the catch-up feed authenticates them.
    const directory = new SystemDirectory();
    const systems = await startDirectoryConsumer({
      kafka,
      topic: systemsTopicName(env.KAFKA_TOPIC_PREFIX),
      directory,
      logger,
      groupPrefix: `${env.KAFKA_TOPIC_PREFIX}projection-`,
    });
    parts.add('systems', () => systems.stop());

    const processingLog = createProcessingLog(db, env.PROJECTION_SCHEMA);
    parts.add('processing-log', () => processingLog.close());

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
        now,
        intervalMs: env.PROJECTION_DEADLINE_SCAN_MS,
      });
      parts.add('deadline-scanner', () => scanner.stop());
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
        consumer: () => consumer.isReady(),
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
      now,
    });
    const { server, port } = await listen(app, env.PROJECTION_PORT, env.PROJECTION_HOST);
    parts.add('http', () => closeServer(server));
    // test/process.ts finds the port of a spawned service in this line.
    logger.info({ port, host: env.PROJECTION_HOST, topics: Object.values(topics) }, 'projection listening');

    return {
      port,
      url: `http://${reachableHost(env.PROJECTION_HOST)}:${port}`,
      db,
      version,
      topics,
      consumer,
      cases,
      streamHub,
      listener,
      directory,
      processingLog,
      close,
    };
  });
}
