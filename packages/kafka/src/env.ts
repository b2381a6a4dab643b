import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KafkaSettings } from './client';

/** An empty value (`KAFKA_SASL_USERNAME=` in an env file, `${X:-}` in compose) means unset. */
const unsetWhenEmpty = (value: unknown) => (value === '' ? undefined : value);

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetWhenEmpty, schema.optional());

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

/**
 * How the services reach a secured or replicated Kafka. Extend a service's env schema with its
 * shape (`commonEnv.extend(kafkaSecurityEnv.shape)`), add {@link checkKafkaSecurityEnv} as a
 * refinement so one start lists every bad variable, and pass the parsed values to
 * {@link kafkaSettingsFromEnv}. Every variable is optional: unset, the hub talks plain Kafka to
 * a single broker, as `npm start` does.
 */
export const kafkaSecurityEnv = z.object({
  /** SASL mechanism; with it, KAFKA_SASL_USERNAME and a password are required. */
  KAFKA_SASL_MECHANISM: optional(
    z.preprocess(
      (v) => (typeof v === 'string' ? v.toLowerCase() : v),
      z.enum(['scram-sha-512', 'scram-sha-256']),
    ),
  ),
  /** The service's principal, e.g. `gateway` (User:gateway in the ACLs). */
  KAFKA_SASL_USERNAME: optional(z.string().min(1)),
  /** The principal's password (or KAFKA_SASL_PASSWORD_FILE). */
  KAFKA_SASL_PASSWORD: optional(z.string().min(1)),
  /** A file holding the password instead (a container secret); one trailing newline is ignored. */
  KAFKA_SASL_PASSWORD_FILE: optional(z.string().min(1)),
  /** TLS to the brokers, trusting the system's CAs; implied by KAFKA_TLS_CA_FILE. */
  KAFKA_TLS: optional(flag),
  /** PEM file of the CA(s) the brokers' certificates chain to (`kafka.sh env` prints the local one). */
  KAFKA_TLS_CA_FILE: optional(z.string().min(1)),
  /** Name the broker certificates carry, when the brokers are reached under another name. */
  KAFKA_TLS_SERVERNAME: optional(z.string().min(1)),
  /** Replicas of the topics the hub creates; the broker's default when unset. 3 on the local cluster. */
  KAFKA_REPLICATION_FACTOR: optional(z.coerce.number().int().min(1).max(32)),
  /** min.insync.replicas of the topics the hub creates; the broker's default when unset. 2 on the local cluster. */
  KAFKA_MIN_INSYNC_REPLICAS: optional(z.coerce.number().int().min(1).max(32)),
});
export type KafkaSecurityEnv = z.infer<typeof kafkaSecurityEnv>;

/** What is wrong across variables, as `[variable, message]` pairs. */
function problems(env: KafkaSecurityEnv): [keyof KafkaSecurityEnv, string][] {
  const out: [keyof KafkaSecurityEnv, string][] = [];
  const hasPassword = env.KAFKA_SASL_PASSWORD !== undefined || env.KAFKA_SASL_PASSWORD_FILE !== undefined;
  if (env.KAFKA_SASL_MECHANISM) {
    if (!env.KAFKA_SASL_USERNAME) out.push(['KAFKA_SASL_USERNAME', 'required with KAFKA_SASL_MECHANISM']);
    if (!hasPassword)
      out.push(['KAFKA_SASL_PASSWORD', 'required with KAFKA_SASL_MECHANISM (or KAFKA_SASL_PASSWORD_FILE)']);
  } else if (env.KAFKA_SASL_USERNAME || hasPassword) {
    // Credentials without a mechanism would silently connect unauthenticated.
    out.push(['KAFKA_SASL_MECHANISM', 'required with KAFKA_SASL_USERNAME or a password (scram-sha-512)']);
  }
  if (env.KAFKA_SASL_PASSWORD !== undefined && env.KAFKA_SASL_PASSWORD_FILE !== undefined)
    out.push(['KAFKA_SASL_PASSWORD_FILE', 'set either KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE']);
  if (env.KAFKA_TLS === false && env.KAFKA_TLS_CA_FILE !== undefined)
    out.push(['KAFKA_TLS', 'false contradicts KAFKA_TLS_CA_FILE']);
  if (
    env.KAFKA_MIN_INSYNC_REPLICAS !== undefined &&
    env.KAFKA_REPLICATION_FACTOR !== undefined &&
    env.KAFKA_MIN_INSYNC_REPLICAS > env.KAFKA_REPLICATION_FACTOR
  )
    out.push([
      'KAFKA_MIN_INSYNC_REPLICAS',
      'larger than KAFKA_REPLICATION_FACTOR: no acks=all write could ever be confirmed',
    ]);
  return out;
}

/** The cross-variable rules as a zod refinement: `serviceEnv.superRefine(checkKafkaSecurityEnv)`. */
export function checkKafkaSecurityEnv(env: KafkaSecurityEnv, ctx: z.RefinementCtx): void {
  for (const [path, message] of problems(env)) ctx.addIssue({ code: 'custom', path: [path], message });
}

export class KafkaEnvError extends Error {
  override readonly name = 'KafkaEnvError';
}

/**
 * The {@link KafkaSettings} the variables ask for, to spread into `createKafkaClient({ brokers,
 * clientId, logger, ...kafkaSettingsFromEnv(env) })`. Reads KAFKA_SASL_PASSWORD_FILE now; the CA
 * file is read by `createKafkaClient`, so the result stays plain data (it can be posted to a
 * worker thread). Throws {@link KafkaEnvError} naming every bad variable.
 */
export function kafkaSettingsFromEnv(
  env: KafkaSecurityEnv,
): Pick<KafkaSettings, 'sasl' | 'tls' | 'replicationFactor' | 'minInsyncReplicas'> {
  const found = problems(env);
  if (found.length > 0) {
    throw new KafkaEnvError(
      `invalid configuration:\n${found.map(([path, message]) => `  ${path}: ${message}`).join('\n')}`,
    );
  }
  const settings: Pick<KafkaSettings, 'sasl' | 'tls' | 'replicationFactor' | 'minInsyncReplicas'> = {};
  if (env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME) {
    settings.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD ?? readPassword(env.KAFKA_SASL_PASSWORD_FILE ?? ''),
    };
  }
  if (env.KAFKA_TLS_CA_FILE !== undefined || env.KAFKA_TLS_SERVERNAME !== undefined) {
    settings.tls = {
      ...(env.KAFKA_TLS_CA_FILE !== undefined ? { caFile: env.KAFKA_TLS_CA_FILE } : {}),
      ...(env.KAFKA_TLS_SERVERNAME !== undefined ? { servername: env.KAFKA_TLS_SERVERNAME } : {}),
    };
  } else if (env.KAFKA_TLS) {
    settings.tls = true;
  }
  if (env.KAFKA_REPLICATION_FACTOR !== undefined) settings.replicationFactor = env.KAFKA_REPLICATION_FACTOR;
  if (env.KAFKA_MIN_INSYNC_REPLICAS !== undefined) settings.minInsyncReplicas = env.KAFKA_MIN_INSYNC_REPLICAS;
  return settings;
}

function readPassword(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KafkaEnvError(
      `invalid configuration:\n  KAFKA_SASL_PASSWORD_FILE: cannot read ${file}: ${(error as Error).message}`,
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0)
    throw new KafkaEnvError(`invalid configuration:\n  KAFKA_SASL_PASSWORD_FILE: ${file} is empty`);
  return password;
}
