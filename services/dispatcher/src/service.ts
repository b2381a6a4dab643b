import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import { caseDomains } from '@ketenhub/events';
import {
  caseEventTopic,
  createKafkaClient,
  ensureTopics,
  type KafkaClient,
  kafkaSettingsFromEnv,
  keepConsumerRunning,
  parseBrokers,
  stateTopic,
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
import type { DispatcherDatabase } from './db';
import { createDeliveryMetrics } from './deliveries/metrics';
import { purgeDelivered } from './deliveries/outbox';
import { Sender } from './deliveries/sender';
import type { DispatcherEnv } from './env';
import { startEventsConsumer } from './fanout/events.consumer';
import { dispatcherMigrations, dispatcherSchema } from './migrations';
import { createJobs, type JobsService } from './replays/jobs';
import { subscriptionsTopicName } from './subscriptions/subscription-record';
import { followSubscriptions, SubscriptionDirectory } from './subscriptions/subscriptions.consumer';

/**
 * What is not configuration. Everything else comes from {@link DispatcherEnv}, so a test that
 * needs other settings sets the operator's variables and runs what production runs.
 */
export interface DispatcherSeams {
  /** Default: a pino logger at LOG_LEVEL, as src/index.ts would make it. */
  logger?: Logger;
  /**
   * A client the caller owns and shares (a test's worker-wide one); the KAFKA_BROKERS and
   * KAFKA_* security settings are then not read. Default: a client of the dispatcher's own.
   */
  kafka?: KafkaClient;
}

/** A started dispatcher: where it listens, the handles tests look at, and how to stop it. */
export interface RunningDispatcher {
  /** The operator API's port (DISPATCHER_PORT, or the one the system picked for 0). */
  port: number;
  /** The operator API's base URL as this machine reaches it. */
  url: string;
  /** The events consumer's group (KAFKA_TOPIC_PREFIX + DISPATCHER_GROUP_ID): its positions are stored under it. */
  groupId: string;
  db: Kysely<DispatcherDatabase>;
  directory: SubscriptionDirectory;
  sender: Sender;
  jobs: JobsService;
  /** Stops everything in the order of a graceful shutdown; a part that fails to close does not stop the rest, the failures are thrown together. */
  close(): Promise<void>;
}

/** One pass of retention deletes at most this many rows, so each statement stays short. */
const purgeChunk = 10_000;

/**
 * The dispatcher's composition root after env is parsed: database, Kafka, subscriptions
 * follower, fan-out, sender, replay jobs, retention and the operator API, listening. src/index.ts
 * and the tests both start it here, so tests run the wiring production runs.
 */
export async function startDispatcherService(
  env: DispatcherEnv,
  seams: DispatcherSeams = {},
): Promise<RunningDispatcher> {
  const logger = seams.logger ?? createLogger({ service: 'dispatcher', level: env.LOG_LEVEL });
  // Filled as each part starts, in the order their closing reverses: a start that fails half-way
  // (PostgreSQL gone, subscriptions not read in time) stops what already runs instead of leaving
  // a consumer in its group, or a test's process with open handles.
  const parts = new OpenedParts();
  return parts.startOrAbandon(logger, env.SHUTDOWN_TIMEOUT_MS, async () => {
    return { ...(await start(env, logger, seams, parts)), close: () => parts.close() };
  });
}

async function start(
  env: DispatcherEnv,
  logger: Logger,
  seams: DispatcherSeams,
  parts: OpenedParts,
): Promise<Omit<RunningDispatcher, 'close'>> {
  const metrics = createMetrics('dispatcher');
  const prefix = env.KAFKA_TOPIC_PREFIX;

  const db = await openServiceDatabase<DispatcherDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-dispatcher',
    maxConnections: env.DISPATCHER_DB_POOL,
    migrations: dispatcherMigrations,
    schema: dispatcherSchema,
  });
  parts.add('database', () => db.destroy());
  logger.info({ database: redactUrl(env.DATABASE_URL) }, 'database migrated');

  // Retention of delivered rows, hourly, in chunks (one short statement each).
  const purge = async () => {
    try {
      let n = 0;
      for (let deleted = purgeChunk; deleted === purgeChunk; n += deleted) {
        deleted = await purgeDelivered(db, env.DISPATCHER_RETENTION_MS, purgeChunk);
      }
      if (n > 0) logger.info({ deliveries: n }, 'delivered deliveries past retention deleted');
    } catch (error) {
      logger.warn({ err: error }, 'purging delivered deliveries failed; next hour again');
    }
  };
  const purgeTimer = setInterval(() => void purge(), 60 * 60 * 1000);
  purgeTimer.unref();
  parts.add('retention', async () => clearInterval(purgeTimer));

  const kafka =
    seams.kafka ??
    createKafkaClient({
      brokers: parseBrokers(env.KAFKA_BROKERS),
      ...kafkaSettingsFromEnv(env),
      clientId: 'ketenhub-dispatcher',
      logger,
    });
  const domainTopics = caseDomains.map((d) => `${prefix}${d}`);
  await ensureTopics(kafka, [
    ...domainTopics.map((t) => caseEventTopic(t, env.KAFKA_PARTITIONS)),
    // The one state-topic spec (as the registry's): whoever starts first creates it.
    stateTopic(subscriptionsTopicName(prefix)),
  ]);

  const directory = new SubscriptionDirectory();
  const groupId = `${prefix}${env.DISPATCHER_GROUP_ID}`;
  let sender: Sender | undefined;
  const jobs = createJobs({
    db,
    kafka,
    logger,
    topics: domainTopics,
    groupId,
    groupPrefix: prefix,
    access: { hubOin: env.KETENHUB_HUB_OIN },
    onQueued: () => sender?.wake(),
    fetchBytes: env.DISPATCHER_REPLAY_FETCH_BYTES,
    leaseMs: env.DISPATCHER_REPLAY_LEASE_MS,
  });
  const follower = await followSubscriptions({
    kafka,
    db,
    topic: subscriptionsTopicName(prefix),
    directory,
    logger,
    groupPrefix: prefix,
    onBackfill: (record) => jobs.backfillFromRecord(record.id, record.backfill?.from ?? null),
  });
  parts.add('subscriptions consumer', () => follower.stop());
  // Fanning out before every subscription is known would skip receivers for good (positions move on).
  await follower.waitUntilCaughtUp(120_000);
  logger.info({ subscriptions: directory.size }, 'subscriptions read');

  const theSender = new Sender({
    db,
    logger,
    metrics: createDeliveryMetrics(metrics, db),
    webhookKey: env.KETENHUB_WEBHOOK_KEY,
    allowLocalHttp: env.KETENHUB_WEBHOOK_LOCAL_HTTP,
    allowNetworks: env.KETENHUB_WEBHOOK_ALLOW_NETWORKS,
    concurrency: env.DISPATCHER_CONCURRENCY,
    perSubscriptionMax: Math.min(env.DISPATCHER_SUBSCRIPTION_MAX_IN_FLIGHT, env.DISPATCHER_CONCURRENCY),
    runLength: env.DISPATCHER_RUN_LENGTH,
    timeoutMs: env.DISPATCHER_TIMEOUT_MS,
    retry: { schedule: env.DISPATCHER_RETRY_SCHEDULE, retryAfterMaxMs: env.DISPATCHER_RETRY_AFTER_MAX_MS },
    pollMs: env.DISPATCHER_POLL_MS,
    origin: env.KETENHUB_WEBHOOK_ORIGIN,
    legacySignature: env.DISPATCHER_LEGACY_SIGNATURE,
    projectieUrl: env.DISPATCHER_PROJECTION_URL,
  });
  sender = theSender;
  theSender.start();
  // Attempts in flight finish and their verdicts are stored; nothing new is claimed.
  parts.add('sender', () => theSender.stop());
  jobs.start();
  // Jobs stop between two partition batches and give their lease back; the next start resumes them.
  parts.add('replay jobs', () => jobs.stop());

  let consumerStopped: Error | undefined;
  // Started again whenever it stops for good (e.g. PostgreSQL gone while it loaded its positions);
  // unready meanwhile. Before, it stayed stopped until a restart (fault suite, docs/faults.md).
  const events = await keepConsumerRunning({
    start: (onStop) =>
      startEventsConsumer({
        kafka,
        db,
        topics: domainTopics,
        groupId,
        directory,
        follower,
        access: { hubOin: env.KETENHUB_HUB_OIN },
        logger,
        metrics,
        partitionsConcurrently: env.DISPATCHER_PARTITIONS_CONCURRENTLY,
        sessionTimeoutMs: env.DISPATCHER_SESSION_TIMEOUT_MS,
        onQueued: () => theSender.wake(),
        onStop,
      }),
    onStopped: (error) => {
      consumerStopped = error;
      logger.error({ err: error }, 'events consumer stopped; starting it again');
    },
    onStarted: () => {
      consumerStopped = undefined;
      logger.info('events consumer started again');
    },
  });
  parts.add('events consumer', () => events.stop());

  const app = createServer({
    logger,
    metrics,
    db,
    adminToken: env.KETENHUB_ADMIN_TOKEN,
    wakeSender: () => theSender.wake(),
    jobs,
    readiness: {
      database: () => isDatabaseReachable(db as never),
      subscriptions: () => follower.isCaughtUp(),
      events: () => (events.current()?.isReady() ?? false) && consumerStopped === undefined,
    },
  });
  const { server, port } = await listen(app, env.DISPATCHER_PORT, env.DISPATCHER_HOST);
  parts.add('http', () => closeServer(server));
  logger.info({ port }, 'dispatcher listening');

  return {
    port,
    url: `http://${reachableHost(env.DISPATCHER_HOST)}:${port}`,
    groupId,
    db,
    directory,
    sender: theSender,
    jobs,
  };
}
