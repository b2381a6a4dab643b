import { commonEnv } from '@ketenhub/service';
import { z } from 'zod';

/**
 * The ZGW connector's configuration, parsed once in src/index.ts. The connector talks to the hub
 * only through the gateway's public `POST /events`; it needs no Kafka, so of the common variables it
 * takes the database, the log level and the shutdown budget.
 */
export const connectorEnv = commonEnv
  .pick({ LOG_LEVEL: true, DATABASE_URL: true, SHUTDOWN_TIMEOUT_MS: true })
  .extend({
    /** HTTP port of the callback endpoint and the operator API. */
    ZGW_PORT: z.coerce.number().int().min(0).max(65535).default(8084),
    /** Interface to bind; 0.0.0.0 in a container. */
    ZGW_HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * Operator token (at least 32 characters) for `/links`, `/onverwerkt` and `/bronnen`. Not the
     * hub's operator token: the connector may be run by the municipality's integrator.
     */
    ZGW_OPERATOR_TOKEN: z.string().min(32, 'at least 32 characters'),
    /** The hub's gateway; the connector publishes there with each ZGW source's system token. */
    ZGW_GATEWAY_URL: z.url().default('http://127.0.0.1:8080'),
    /** The sources and their mappings as JSON (docs/zgw.md, "Configuration"); or ZGW_CONFIG_FILE. */
    ZGW_CONFIG: z.string().min(1).optional(),
    /** Path of a JSON file with the same content as ZGW_CONFIG (it holds secrets: mode 600). */
    ZGW_CONFIG_FILE: z.string().min(1).optional(),
    /** How long one request to a ZGW API may take. */
    ZGW_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Notifications handled at once (different zaken; one zaak's notifications go one at a time). */
    ZGW_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    /** How often the worker and the relay look for work when nothing woke them. */
    ZGW_POLL_MS: z.coerce.number().int().min(10).default(500),
    /** How long a claimed notification stays with its worker before another instance may take it. */
    ZGW_LEASE_MS: z.coerce.number().int().min(1_000).default(60_000),
    /** First retry delay after a ZGW API or the gateway could not be reached; doubles per attempt. */
    ZGW_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1_000),
    /** Longest retry delay. */
    ZGW_RETRY_MAX_MS: z.coerce.number().int().min(10).default(600_000),
    /**
     * A notification whose ZGW resources stay unreachable this long is set aside as `onverwerkt`
     * (reason `zgw-onbereikbaar`) for the operator to re-queue, instead of being retried for ever.
     */
    ZGW_GIVE_UP_AFTER_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(7 * 86_400_000),
    /**
     * Handled notifications (and their sent events, which may hold a BSN) are deleted this long after
     * they were handled; what needs the operator stays.
     */
    ZGW_RETENTION_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(30 * 86_400_000),
    /** Events per gateway batch request of the relay. */
    ZGW_RELAY_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
    /** PostgreSQL pool size. */
    ZGW_DB_POOL: z.coerce.number().int().min(1).default(5),
  })
  .superRefine((env, ctx) => {
    if ((env.ZGW_CONFIG === undefined) === (env.ZGW_CONFIG_FILE === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ZGW_CONFIG'],
        message: 'set exactly one of ZGW_CONFIG (JSON) and ZGW_CONFIG_FILE (path)',
      });
    }
    if (env.ZGW_RETRY_MAX_MS < env.ZGW_RETRY_BASE_MS) {
      ctx.addIssue({ code: 'custom', path: ['ZGW_RETRY_MAX_MS'], message: 'must be >= ZGW_RETRY_BASE_MS' });
    }
  });
export type ConnectorEnv = z.infer<typeof connectorEnv>;
