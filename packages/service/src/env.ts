import { z } from 'zod';

/**
 * Variables every service reads. Each service extends this with its own and parses once, in
 * its composition root (src/index.ts), with {@link loadEnv}.
 */
export const commonEnv = z.object({
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The hub's PostgreSQL database; created on start when missing. Each service owns a schema in it. */
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/ketenhub'),
  /** Comma-separated `host:port` list of Kafka brokers. */
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  /** Partitions of the case-event topics when the hub creates them (existing topics are left alone). */
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** Prefix for every topic name, e.g. `acc.` to share a cluster between environments. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default(''),
  /** How long graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
});
export type CommonEnv = z.infer<typeof commonEnv>;

/** Variables read by the services that apply the access rule (gateway, projection, dispatcher). */
export const hubEnv = z.object({
  /**
   * OIN of this hub, one value for every service: the projection publishes its own events
   * (termijn-verstreken) as `urn:nld:oin:<OIN>:systeem:ketenhub`, and the access rule lets events
   * from that source act in the role `ketenhub` at the gateway, the projection and the dispatcher.
   */
  KETENHUB_HUB_OIN: z
    .string()
    .regex(/^\d{20}$/, 'must be a 20-digit OIN')
    .default('00000099900000009000'),
});

/**
 * Variables that were renamed: a deployment that still sets one is refused at start with the new
 * name, instead of running with the default it no longer overrides.
 */
const renamed: Record<string, string> = {
  GATEWAY_HUB_OIN: 'KETENHUB_HUB_OIN',
  PROJECTION_HUB_OIN: 'KETENHUB_HUB_OIN',
  DISPATCHER_HUB_OIN: 'KETENHUB_HUB_OIN',
};

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/**
 * Parses the environment against a zod schema and fails with one message listing every bad
 * variable, so a misconfigured deployment says all that is wrong at once.
 */
export function loadEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(source);
  const retired = Object.keys(renamed)
    .filter((name) => source[name] !== undefined)
    .map((name) => `  ${name}: renamed ${renamed[name]}; set that instead`);
  if (result.success && retired.length === 0) return result.data;
  const lines = [
    ...retired,
    ...(result.success
      ? []
      : result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`)),
  ];
  throw new EnvError(`invalid configuration:\n${lines.join('\n')}`);
}

/** `true`/`false`/`1`/`0`/`yes`/`no` as a boolean (z.coerce.boolean treats "false" as true). */
export const envFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');
