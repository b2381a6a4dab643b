import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SystemDirectory, SystemRecord } from '@ketenhub/directory';
import { systemsTopicName } from '@ketenhub/directory';
import { caseDomains, sourceFor } from '@ketenhub/events';
import { ack, type ConsumedRecord, type KafkaClient, runConsumer, topicOffsets } from '@ketenhub/kafka';
import { loadEnv } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { gatewayEnv } from '../src/env';
import { type RunningGateway, startGatewayService } from '../src/service';

/** A fresh chain case id. */
export function newCaseId(): string {
  return randomUUID();
}

export const devSecret = 'test-dev-secret-of-at-least-32-characters!';

export interface TestSystem {
  id: string;
  token: string;
  source: string;
  oin: string;
  record: SystemRecord;
}

/** Puts a system straight into the directory, as a record from the registry's topic would. */
export function addSystem(
  directory: SystemDirectory,
  spec: {
    oin: string;
    name: string;
    roles: string[];
    domains: string[];
    publishes: string[];
    kafkaNative?: boolean;
  },
): TestSystem {
  const token = `khs_${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  const record: SystemRecord = {
    version: 1,
    id,
    oin: spec.oin,
    name: spec.name,
    source: sourceFor(spec.oin, spec.name),
    roles: spec.roles,
    domains: spec.domains,
    publishes: spec.publishes,
    consumes: [],
    kafkaNative: spec.kafkaNative ?? false,
    tokenSha256: createHash('sha256').update(token).digest('hex'),
    revoked: false,
    updatedAt: new Date().toISOString(),
  };
  directory.apply(record);
  return { id, token, source: record.source, oin: spec.oin, record };
}

/** A gateway started by {@link startGateway}: the service's own handle. */
export type TestGateway = RunningGateway;

/** The example hub's OIN, as KETENHUB_HUB_OIN defaults to. */
export const hubOin = '00000099900000009000';

/**
 * The gateway in-process on a free port, over the test's Kafka and database, topics under
 * `<prefix>.`: src/service.ts, the wiring src/index.ts runs, with an env parsed by the real schema.
 * Resolves once it is ready (/health/ready) and its LISTEN connection is up, as a deployment would
 * send it traffic. The cases consumer runs as in production, in group `<prefix>.gateway-access`,
 * which the instances of one test share as the instances of one hub do.
 */
export async function startGateway(options: {
  /** Its brokers are the gateway's KAFKA_BROKERS too: the cases thread connects on its own. */
  kafka: KafkaClient;
  /** Not used: the gateway opens its own pool on `databaseUrl`, as in production. */
  db?: Kysely<unknown>;
  /** DATABASE_URL. */
  databaseUrl: string;
  /** KAFKA_TOPIC_PREFIX is `<prefix>.`, the names the test's `topic` gives. */
  prefix: string;
  /** The test's topic namer, so the gateway's topics are deleted after the test. */
  topic?: (name: string) => string;
  /** GATEWAY_PUBLISH_TIMEOUT_MS. */
  publishTimeoutMs?: number;
  /** GATEWAY_PORT; default a free one. */
  port?: number;
  /** GATEWAY_RATE_LIMIT_PER_S. */
  ratePerS?: number;
  /** GATEWAY_RATE_LIMIT_BURST; below 1,000 GATEWAY_MAX_BATCH_EVENTS follows it (the schema's rule). */
  burst?: number;
  /** The acceptor's wait for a flush to record a confirmation (a seam: no variable). */
  markDelayMs?: number;
  /** GATEWAY_CHECK_THREADS (default 1); 0 checks in the request thread. */
  checkThreads?: number;
}): Promise<TestGateway> {
  const topicPrefix = `${options.prefix}.`;
  if (options.topic) {
    for (const name of [...caseDomains, systemsTopicName('')]) {
      const named = options.topic(name);
      // The gateway names its topics itself; a namer that disagrees would clean up other topics.
      if (named !== `${topicPrefix}${name}`)
        throw new Error(`the test names topic ${name} ${named}, the gateway ${topicPrefix}${name}`);
    }
  }
  const env = loadEnv(gatewayEnv, {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.kafka.settings.brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    GATEWAY_PORT: String(options.port ?? 0),
    KETENHUB_DEV_TOKENS: 'true',
    KETENHUB_DEV_TOKEN_SECRET: devSecret,
    ...(options.publishTimeoutMs === undefined
      ? {}
      : { GATEWAY_PUBLISH_TIMEOUT_MS: String(options.publishTimeoutMs) }),
    ...(options.ratePerS === undefined ? {} : { GATEWAY_RATE_LIMIT_PER_S: String(options.ratePerS) }),
    ...(options.burst === undefined
      ? {}
      : {
          GATEWAY_RATE_LIMIT_BURST: String(options.burst),
          GATEWAY_MAX_BATCH_EVENTS: String(Math.min(options.burst, 1_000)),
        }),
    ...(options.checkThreads === undefined ? {} : { GATEWAY_CHECK_THREADS: String(options.checkThreads) }),
  });
  const gateway = await startGatewayService(env, {
    kafka: options.kafka,
    ...(options.markDelayMs === undefined ? {} : { markDelayMs: options.markDelayMs }),
  });
  try {
    await until(async () => {
      const ready = await fetch(`${gateway.url}/health/ready`).catch(() => undefined);
      return ready?.ok === true && gateway.notices.isConnected();
    }, 'the gateway ready');
  } catch (error) {
    await gateway.close().catch(() => undefined);
    throw error;
  }
  return gateway;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { readTopic } from '@ketenhub/kafka/testing';

export async function post(
  url: string,
  token: string | undefined,
  body: unknown,
  contentType = 'application/cloudevents+json',
) {
  const res = await fetch(`${url}/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON answers
    body: text ? (JSON.parse(text) as Record<string, any>) : {},
  };
}
