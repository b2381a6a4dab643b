import { checkKafkaSecurityEnv, kafkaSecurityEnv } from '@ketenhub/kafka';
import { projectionEnv } from '@ketenhub/projection/env';
import { commonEnv, hubEnv, loadEnv } from '@ketenhub/service';
import { z } from 'zod';

const serviceUrl = (port: number) => z.url({ error: 'must be a URL' }).default(`http://127.0.0.1:${port}`);

/**
 * The CLI's configuration, parsed once in src/program.ts. The same variables as the services (and
 * their defaults), so a shell that runs a service runs the CLI against it unchanged. The projection's
 * variables are taken field by field from its schema (`projectionEnv.shape`), so their checks and
 * defaults are written once; the schemas themselves are not extended, because each requires what
 * only that service needs (the dispatcher's webhook key, the projection's pseudonym key).
 */
export const cliEnv = commonEnv
  .extend(kafkaSecurityEnv.shape)
  .extend({
    /** Below the services' `info`: the CLI's own output is its report, logs are for trouble. */
    LOG_LEVEL: commonEnv.shape.LOG_LEVEL.unwrap().default('warn'),
    /**
     * Operator token of the registry and the dispatcher (`/systems`, `/subscriptions/*`). Optional
     * here: commands that only read PostgreSQL and Kafka work without it, the others say it is missing.
     */
    KETENHUB_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
    /** Where each service answers; `status` asks every one of them for `/health/ready`. */
    KETENHUB_REGISTRY_URL: serviceUrl(8082),
    KETENHUB_GATEWAY_URL: serviceUrl(8080),
    KETENHUB_PROJECTION_URL: serviceUrl(8081),
    KETENHUB_DISPATCHER_URL: serviceUrl(8083),
    /** How long one HTTP call to a service may take before the CLI reports it unreachable. */
    KETENHUB_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** The projection's base schema (its `versions` table says which version serves and consumes). */
    PROJECTION_SCHEMA: projectionEnv.shape.PROJECTION_SCHEMA,
    /** The projection's consumer group prefix: a rebuilt version N consumes as `<prefix>-v<N>`. */
    PROJECTION_GROUP_ID: projectionEnv.shape.PROJECTION_GROUP_ID,
    /** The hub's OIN, which a rebuild folds the hub's own events with. */
    KETENHUB_HUB_OIN: hubEnv.shape.KETENHUB_HUB_OIN,
    /** Partition batches a rebuild hands to the projector at once. */
    PROJECTION_PARTITIONS_CONCURRENTLY: projectionEnv.shape.PROJECTION_PARTITIONS_CONCURRENTLY,
    /** Consumer session timeout of a rebuild. */
    PROJECTION_SESSION_TIMEOUT_MS: projectionEnv.shape.PROJECTION_SESSION_TIMEOUT_MS,
    /** The dispatcher's consumer group of the domain topics, after KAFKA_TOPIC_PREFIX. */
    DISPATCHER_GROUP_ID: z.string().min(1).default('ketenhub-dispatcher'),
  })
  .superRefine(checkKafkaSecurityEnv);
export type CliEnv = z.infer<typeof cliEnv>;

export function loadCliEnv(source: Record<string, string | undefined> = process.env): CliEnv {
  return loadEnv(cliEnv, source);
}
