import { checkKafkaSecurityEnv, kafkaSecurityEnv } from '@ketenhub/kafka';
import {
  authEnv,
  checkWebhookKey,
  commonEnv,
  envFlag,
  hubEnv,
  webhookEnv,
  withWebhookKey,
} from '@ketenhub/service';
import { z } from 'zod';
import { parseSchedule, standardRetrySchedule } from './deliveries/outcome';

/** The dispatcher's configuration, parsed once in src/index.ts. */
export const dispatcherEnv = commonEnv
  .extend(kafkaSecurityEnv.shape)
  .extend(webhookEnv.shape)
  .extend({
    /** HTTP port of the operator API, health and metrics. */
    DISPATCHER_PORT: z.coerce.number().int().min(0).max(65535).default(8083),
    /** Interface to bind; 0.0.0.0 in a container. */
    DISPATCHER_HOST: z.string().min(1).default('127.0.0.1'),
    /** Operator token for `/subscriptions/*` (at least 32 characters), the same one the registry uses. */
    KETENHUB_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters'),
    /** Dev mode switch shared with the other services; here it only allows the development webhook key. */
    KETENHUB_DEV_TOKENS: authEnv.shape.KETENHUB_DEV_TOKENS,
    /** The hub's OIN, one value for every service: its own events act in the role `ketenhub`. */
    KETENHUB_HUB_OIN: hubEnv.shape.KETENHUB_HUB_OIN,
    /** Consumer group of the domain topics (after KAFKA_TOPIC_PREFIX); positions are stored under it. */
    DISPATCHER_GROUP_ID: z.string().min(1).default('ketenhub-dispatcher'),
    /**
     * Webhook requests in flight at once, per instance. A receiver that hangs holds at most
     * DISPATCHER_SUBSCRIPTION_MAX_IN_FLIGHT of them (fewer once it failed), so there is room for the rest.
     */
    DISPATCHER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(256),
    /**
     * Most requests in flight to one subscription (at most DISPATCHER_CONCURRENCY); its limit adapts
     * below this (+1 per success, halved per failure).
     */
    DISPATCHER_SUBSCRIPTION_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1024).default(96),
    /**
     * Deliveries of one (subscription, chain case) a claim takes together and sends one after
     * another in one slot, each once the one before was delivered: a busy case then no longer waits
     * for a settlement and a new claim between its events (docs/dispatcher.md, Runs). 1 turns it off.
     */
    DISPATCHER_RUN_LENGTH: z.coerce.number().int().min(1).max(256).default(32),
    /** Time a receiver has to answer one delivery (Standard Webhooks recommends 15 to 30 s). */
    DISPATCHER_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /**
     * Delays before each attempt, comma separated (`<n>ms|s|m|h|d`; the first is the delivery
     * itself, 0). After the last one fails the delivery is parked; a receiver-wide failure (network,
     * timeout, 429, 502-504) then also stops the subscription. Default: Standard Webhooks' example,
     * 10 attempts over 75 h 35 min.
     */
    DISPATCHER_RETRY_SCHEDULE: z
      .string()
      .default(standardRetrySchedule)
      .transform((value, ctx) => {
        const schedule = parseSchedule(value);
        if (!schedule) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be a comma-separated list of delays such as 0,5s,5m,2h',
          });
          return z.NEVER;
        }
        return schedule;
      }),
    /** The longest a receiver's Retry-After holds its queue (also of 429 and 503). */
    DISPATCHER_RETRY_AFTER_MAX_MS: z.coerce.number().int().min(1_000).default(3_600_000),
    /**
     * `WebHook-Request-Origin` on every delivery: the name this hub asked the receiver's consent under
     * (CloudEvents webhook handshake). The same value as the registry's KETENHUB_WEBHOOK_ORIGIN.
     */
    KETENHUB_WEBHOOK_ORIGIN: z.string().min(1).default('ketenhub.local'),
    /**
     * Also sign with the deprecated `Ketenhub-Signature` header (the scheme before Standard
     * Webhooks), until receivers have moved: on by default in this release, off in the next, then
     * removed (docs/dispatcher.md).
     */
    DISPATCHER_LEGACY_SIGNATURE: envFlag.default(true),
    /**
     * The projection API's base URL as receivers reach it (e.g. `https://hub.example.nl`): a
     * ZGW-format notification's `hoofdObject` is the chain case there, `<base>/cases/<id>`.
     */
    DISPATCHER_PROJECTION_URL: z.url().default('http://127.0.0.1:8081'),
    /**
     * Bytes a replay or backfill reads per partition at a time: one chunk, one transaction with its
     * progress. Smaller chunks lose less work to a crash and hold rows for less time.
     */
    DISPATCHER_REPLAY_FETCH_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .default(2 * 1024 * 1024),
    /** How long a replay job's lease lasts: how soon another instance (or a restart) resumes a crashed one's job. */
    DISPATCHER_REPLAY_LEASE_MS: z.coerce.number().int().min(1_000).default(30_000),
    /** How often the sender looks for due deliveries when nothing woke it (other instances' work, retries). */
    DISPATCHER_POLL_MS: z.coerce.number().int().min(10).default(500),
    /** Partition batches of the domain topics handled at once (each in its own transaction). */
    DISPATCHER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
    /** Kafka consumer session timeout: how long a crashed instance holds its partitions. */
    DISPATCHER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
    /** PostgreSQL pool size. */
    DISPATCHER_DB_POOL: z.coerce.number().int().min(2).default(10),
    /** Delivered outbox rows are deleted this long after delivery (pending and failed ones stay). */
    DISPATCHER_RETENTION_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(7 * 24 * 60 * 60 * 1000),
  })
  .superRefine((env, ctx) => {
    checkWebhookKey(env, ctx);
    checkKafkaSecurityEnv(env, ctx);
  })
  .transform(withWebhookKey);
export type DispatcherEnv = z.infer<typeof dispatcherEnv>;
