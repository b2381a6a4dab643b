import { authEnv, checkWebhookKey, commonEnv, webhookEnv, withWebhookKey } from '@ketenhub/service';
import { z } from 'zod';

/** The dispatcher's configuration, parsed once in src/index.ts. */
export const dispatcherEnv = commonEnv
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
    /**
     * OIN of this hub, for the access rule: the hub's own events (termijn-verstreken, published by
     * the projection as `urn:nld:oin:<OIN>:systeem:ketenhub`) act with the role `ketenhub`. The
     * same value as the projection's PROJECTION_HUB_OIN.
     */
    DISPATCHER_HUB_OIN: z
      .string()
      .regex(/^\d{20}$/, 'must be a 20-digit OIN')
      .default('00000099900000009000'),
    /** Consumer group of the domain topics (after KAFKA_TOPIC_PREFIX); positions are stored under it. */
    DISPATCHER_GROUP_ID: z.string().min(1).default('ketenhub-dispatcher'),
    /** Webhook requests in flight at once, per instance. */
    DISPATCHER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    /** Time a receiver has to answer one delivery. */
    DISPATCHER_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** First retry delay; doubles per attempt. */
    DISPATCHER_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(1_000),
    /** Longest retry delay, also the cap on a receiver's Retry-After. */
    DISPATCHER_BACKOFF_MAX_MS: z.coerce
      .number()
      .int()
      .min(100)
      .default(10 * 60_000),
    /** A delivery still failing this long after it was queued is parked as failed (operator re-queues it). */
    DISPATCHER_GIVE_UP_AFTER_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(24 * 3_600_000),
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
    if (env.DISPATCHER_BACKOFF_MAX_MS < env.DISPATCHER_BACKOFF_BASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['DISPATCHER_BACKOFF_MAX_MS'],
        message: 'must be at least DISPATCHER_BACKOFF_BASE_MS',
      });
    }
  })
  .transform(withWebhookKey);
export type DispatcherEnv = z.infer<typeof dispatcherEnv>;
