import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import { caseDomains } from '@ketenhub/events';
import {
  caseEventTopic,
  createKafkaClient,
  ensureTopics,
  kafkaSettingsFromEnv,
  keepConsumerRunning,
  parseBrokers,
  stateTopic,
} from '@ketenhub/kafka';
import { closeServer, createLogger, createMetrics, listen, loadEnv, onShutdown } from '@ketenhub/service';
import { createServer } from './app';
import type { DispatcherDatabase } from './db';
import { createDeliveryMetrics } from './deliveries/metrics';
import { purgeDelivered } from './deliveries/outbox';
import { Sender } from './deliveries/sender';
import { dispatcherEnv } from './env';
import { startEventsConsumer } from './fanout/events.consumer';
import { dispatcherMigrations, dispatcherSchema } from './migrations';
import { createJobs } from './replays/jobs';
import { subscriptionsTopicName } from './subscriptions/subscription-record';
import { followSubscriptions, SubscriptionDirectory } from './subscriptions/subscriptions.consumer';

/** The dispatcher's composition root: env, clients, wiring, listen, graceful shutdown. */
async function main() {
  const env = loadEnv(dispatcherEnv);
  const logger = createLogger({ service: 'dispatcher', level: env.LOG_LEVEL });
  const metrics = createMetrics('dispatcher');
  const prefix = env.KAFKA_TOPIC_PREFIX;

  const db = await openServiceDatabase<DispatcherDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-dispatcher',
    maxConnections: env.DISPATCHER_DB_POOL,
    migrations: dispatcherMigrations,
    schema: dispatcherSchema,
  });
  logger.info({ database: redactUrl(env.DATABASE_URL) }, 'database migrated');

  const kafka = createKafkaClient({
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
  jobs.start();

  // Retention of delivered rows, hourly, in chunks (one short statement each).
  const purge = async () => {
    try {
      let n = 0;
      for (let deleted = 10_000; deleted === 10_000; n += deleted) {
        deleted = await purgeDelivered(db, env.DISPATCHER_RETENTION_MS, 10_000);
      }
      if (n > 0) logger.info({ deliveries: n }, 'delivered deliveries past retention deleted');
    } catch (error) {
      logger.warn({ err: error }, 'purging delivered deliveries failed; next hour again');
    }
  };
  const purgeTimer = setInterval(() => void purge(), 60 * 60 * 1000);
  purgeTimer.unref();

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
  logger.info({ port }, 'dispatcher listening');

  onShutdown(
    logger,
    [
      { name: 'database', close: () => db.destroy() },
      { name: 'retention', close: async () => clearInterval(purgeTimer) },
      { name: 'subscriptions consumer', close: () => follower.stop() },
      // Attempts in flight finish and their verdicts are stored; nothing new is claimed.
      { name: 'sender', close: () => theSender.stop() },
      // Jobs stop between two partition batches and give their lease back; the next start resumes them.
      { name: 'replay jobs', close: () => jobs.stop() },
      { name: 'events consumer', close: () => events.stop() },
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
