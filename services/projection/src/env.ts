import { checkKafkaSecurityEnv, kafkaSecurityEnv } from '@ketenhub/kafka';
import { authEnv, commonEnv, hubEnv, loadEnv } from '@ketenhub/service';
import { z } from 'zod';

/** The projection's configuration, parsed once in src/index.ts (STYLE.md #7). */
export const projectionEnv = commonEnv
  .extend(authEnv.shape)
  .extend(kafkaSecurityEnv.shape)
  .extend({
    /** Port of the read API. */
    PROJECTION_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
    /** Interface to bind; 0.0.0.0 in a container. */
    PROJECTION_HOST: z.string().min(1).default('127.0.0.1'),
    /** PostgreSQL schema of the projection; versions live in `<schema>_v<N>`. */
    PROJECTION_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'lower-case letters, digits and underscore')
      .default('projection'),
    /** Consumer group prefix; each projection version consumes as `<prefix>-v<N>`. */
    PROJECTION_GROUP_ID: z.string().min(1).default('ketenhub-projection'),
    /** The hub's OIN, one value for every service: its own events act in the role `ketenhub`. */
    KETENHUB_HUB_OIN: hubEnv.shape.KETENHUB_HUB_OIN,
    /**
     * HMAC key pseudonymising the data subject (BSN) in the processing log. Required in production;
     * with dev tokens on, a fixed development key is used when absent.
     */
    PROJECTION_PSEUDONYM_KEY: z.string().min(32, 'at least 32 characters').optional(),
    /** Bearer token for operator endpoints (`/admin/...`); they answer 401 when it is not set. */
    KETENHUB_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
    /** Partition batches handed to the projector at once; those waiting together share one transaction. */
    PROJECTION_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(256).default(16),
    /** Projector transactions in flight at once (each holds a pool connection). */
    PROJECTION_TRANSACTIONS: z.coerce.number().int().min(1).max(16).default(4),
    /** Most records per projector transaction (whole partition batches; a larger single batch goes alone). */
    PROJECTION_MAX_RECORDS_PER_TRANSACTION: z.coerce.number().int().min(1).default(2_500),
    /** Largest fetch per partition in bytes: the batch size during catch-up. */
    PROJECTION_MAX_BYTES_PER_PARTITION: z.coerce
      .number()
      .int()
      .min(16_384)
      .default(2 * 1024 * 1024),
    /**
     * Kafka consumer session timeout in ms: how long a crashed instance keeps its partitions
     * before the group hands them to another (the broker allows 6,000 and up by default).
     */
    PROJECTION_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
    /** Joined cases kept in memory for reads, kept true by NOTIFY (cases/case-cache.ts); 0: none. */
    PROJECTION_CASE_CACHE: z.coerce.number().int().min(0).default(10_000),
    /** PostgreSQL pool size. */
    PROJECTION_DB_POOL: z.coerce.number().int().min(2).max(100).default(10),
    /** How often the deadline scanner runs, in ms; 0 switches it off on this instance. */
    PROJECTION_DEADLINE_SCAN_MS: z.coerce.number().int().min(0).default(60_000),
    /** How long a claimed-but-unconfirmed deadline event stays with its claimer before another instance retries, in ms. */
    PROJECTION_DEADLINE_LEASE_MS: z.coerce.number().int().min(1_000).default(120_000),
    /** How often an instance checks whether another projection version was activated, in ms (NOTIFY is faster). */
    PROJECTION_VERSION_POLL_MS: z.coerce.number().int().min(100).default(5_000),
  })
  .superRefine((env, ctx) => {
    checkKafkaSecurityEnv(env, ctx);
    if (!env.PROJECTION_PSEUDONYM_KEY && !env.KETENHUB_DEV_TOKENS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROJECTION_PSEUDONYM_KEY'],
        message: 'is required unless KETENHUB_DEV_TOKENS=true (it pseudonymises BSNs in the processing log)',
      });
    }
  });

export type ProjectionEnv = z.infer<typeof projectionEnv>;

/** Development pseudonymisation key, only ever used with dev tokens on. */
export const devPseudonymKey = 'ketenhub-dev-pseudonym-key-not-for-production';

export function loadProjectionEnv(source: Record<string, string | undefined> = process.env): ProjectionEnv {
  return loadEnv(projectionEnv, source);
}
