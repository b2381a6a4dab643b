import { randomUUID } from 'node:crypto';
import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import { SystemDirectory, startDirectoryConsumer, systemsTopic, systemsTopicName } from '@ketenhub/directory';
import { caseDomains } from '@ketenhub/events';
import {
  caseEventTopic,
  createKafkaClient,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  kafkaSettingsFromEnv,
  type Publisher,
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
  type Metrics,
  OpenedParts,
  reachableHost,
} from '@ketenhub/service';
import { createServer, type GatewayDeps } from './app';
import { createAuthenticator } from './auth/authenticate';
import { CaseBook } from './cases/case-book';
import { type CaseNotices, startCaseNotices } from './cases/case-notices';
import { type CasesWorker, startCasesWorker } from './cases/cases.worker';
import type { GatewayDatabase } from './db';
import type { GatewayEnv } from './env';
import { Acceptor } from './ingest/accept/acceptor';
import { CheckPool } from './ingest/check/check-pool';
import { createIngest, type Ingest } from './ingest/ingest';
import { IngressManager } from './ingress/ingress';
import { gatewayMigrations, gatewaySchema } from './migrations';
import { RateLimiter } from './ratelimit/token-bucket';

/**
 * What the caller may hand in that is not configuration. Every setting goes through
 * {@link GatewayEnv}, so a test runs the gateway with the settings production would parse.
 */
export interface GatewaySeams {
  /** Default: a pino logger at LOG_LEVEL. */
  logger?: Logger;
  /**
   * A Kafka client the caller built (a test's own retry timings against a broker it stops).
   * GATEWAY_KAFKA_PRODUCER is then the caller's to apply; the cases thread still builds its own
   * client from KAFKA_BROKERS and the security variables, so they must name the same cluster.
   */
  kafka?: KafkaClient;
  /**
   * How long a Kafka confirmation waits for the next flush to record it (Acceptor `markDelayMs`).
   * Test-only: to hold one back, or to see one recorded on its own; no operator tunes it.
   */
  markDelayMs?: number;
}

export interface RunningGateway {
  port: number;
  /** Where this process answers, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Fed by the registry's state topic; tests may apply records to it directly. */
  directory: SystemDirectory;
  caseBook: CaseBook;
  acceptor: Acceptor;
  publisher: Publisher;
  ingest: Ingest;
  notices: CaseNotices;
  casesWorker: CasesWorker;
  /** Undefined with GATEWAY_CHECK_THREADS=0. */
  checkPool: CheckPool | undefined;
  metrics: Metrics;
  /** The domain topic's name under KAFKA_TOPIC_PREFIX. */
  domainTopic(domain: string): string;
  /** Stops taking requests, answers those in flight, then closes the rest; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Close order: first stop taking requests, then answer those in flight, then close what they
 * needed, the database last; a part closed earlier would fail the requests still being answered.
 */
const closeOrder = [
  'http',
  'accepted events in flight',
  'ingress consumers',
  'check threads',
  'case notices',
  'cases consumer',
  'systems consumer',
  'kafka publisher',
  'database',
] as const;

/**
 * The gateway's one composition root: database, Kafka, the system directory, the case book and its
 * consumer thread, ingest, the Kafka-native ingress and the HTTP front end, wired from a parsed
 * env. src/index.ts runs it as the process and the tests run it in-process: the same wiring, with
 * settings that differ only through the env they parse.
 */
export async function startGatewayService(
  env: GatewayEnv,
  seams: GatewaySeams = {},
): Promise<RunningGateway> {
  const logger = seams.logger ?? createLogger({ service: 'gateway', level: env.LOG_LEVEL });
  const metrics = createMetrics('gateway');
  const prefix = env.KAFKA_TOPIC_PREFIX;
  const domainTopic = (domain: string) => `${prefix}${domain}`;

  // Filled as parts start, so a start that fails halfway closes what it opened (a test process
  // would otherwise keep the pools and consumers of a gateway that never listened).
  const opened = new OpenedParts(closeOrder);
  const close = () => opened.close();

  return opened.startOrAbandon(logger, env.SHUTDOWN_TIMEOUT_MS, async () => {
    const db = await openServiceDatabase<GatewayDatabase>({
      url: env.DATABASE_URL,
      applicationName: 'ketenhub-gateway',
      maxConnections: env.GATEWAY_DB_POOL,
      migrations: gatewayMigrations,
      schema: gatewaySchema,
    });
    opened.add('database', () => db.destroy());
    logger.info({ database: redactUrl(env.DATABASE_URL) }, 'database migrated');

    // SASL/TLS and replication from the environment (docs/kafka.md); plain data, so the cases
    // worker thread gets the same.
    const kafkaSecurity = kafkaSettingsFromEnv(env);
    const kafka =
      seams.kafka ??
      createKafkaClient({
        brokers: parseBrokers(env.KAFKA_BROKERS),
        ...kafkaSecurity,
        clientId: 'ketenhub-gateway',
        logger,
        ...(env.GATEWAY_KAFKA_PRODUCER ? { producer: env.GATEWAY_KAFKA_PRODUCER } : {}),
      });
    await ensureTopics(kafka, [
      ...caseDomains.map((d) => caseEventTopic(domainTopic(d), env.KAFKA_PARTITIONS)),
      // The registry's spec (one home: @ketenhub/kafka stateTopic); whoever starts first creates it.
      systemsTopic(prefix),
    ]);
    const publisher = await createPublisher(kafka);
    opened.add('kafka publisher', () => publisher.close());

    const directory = new SystemDirectory();
    const systemsConsumer = await startDirectoryConsumer({
      kafka,
      topic: systemsTopicName(prefix),
      directory,
      logger,
      groupPrefix: `${prefix}gateway-`,
    });
    opened.add('systems consumer', () => systemsConsumer.stop());

    // Notices only arrive once the connection is up, after caseBook exists.
    const notices = startCaseNotices({
      url: env.DATABASE_URL,
      logger,
      onNotice: (origin, ids) => caseBook.noticed(origin, ids),
      onLost: () => caseBook.clear(),
    });
    opened.add('case notices', () => notices.close());
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
    opened.add('cases consumer', () => casesWorker.stop());

    const acceptor = new Acceptor({
      db,
      publisher,
      caseBook,
      logger,
      publishTimeoutMs: env.GATEWAY_PUBLISH_TIMEOUT_MS,
      maxBatch: env.GATEWAY_PUBLISH_BATCH_MAX,
      concurrency: env.GATEWAY_PUBLISH_CONCURRENCY,
      ...(seams.markDelayMs === undefined ? {} : { markDelayMs: seams.markDelayMs }),
    });
    // Runs after the server stopped taking requests: answers what is in flight, then the rest closes.
    opened.add('accepted events in flight', () => acceptor.close(env.SHUTDOWN_TIMEOUT_MS / 2));
    const ingest = createIngest({
      caseBook,
      acceptor,
      directory,
      hubOin: env.KETENHUB_HUB_OIN,
      domainTopic,
      retryAfterS: env.GATEWAY_RETRY_AFTER_S,
    });

    if (env.GATEWAY_INGRESS) {
      const ingress = new IngressManager({
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
      });
      ingress.start();
      opened.add('ingress consumers', () => ingress.close());
    }

    const checkPool =
      env.GATEWAY_CHECK_THREADS > 0
        ? await CheckPool.start({ threads: env.GATEWAY_CHECK_THREADS, logger })
        : undefined;
    if (checkPool) opened.add('check threads', () => checkPool.close());

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
    // POST /events on the node:http fast path, every other route through express (app.ts).
    const { server, port } = await listen(createServer(deps), env.GATEWAY_PORT, env.GATEWAY_HOST);
    opened.add('http', () => closeServer(server));
    logger.info({ port }, 'gateway listening');

    return {
      port,
      url: `http://${reachableHost(env.GATEWAY_HOST)}:${port}`,
      directory,
      caseBook,
      acceptor,
      publisher,
      ingest,
      notices,
      casesWorker,
      checkPool,
      metrics,
      domainTopic,
      close,
    };
  });
}
