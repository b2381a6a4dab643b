import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { orgs, testContext } from '@ketenhub/case-model/testing';
import { systemsTopicName } from '@ketenhub/directory';
import { type KetenEvent, sourceFor } from '@ketenhub/events';
import { createPublisher, type KafkaClient, type Publisher } from '@ketenhub/kafka';
import { createLogger, loadEnv, signDevToken } from '@ketenhub/service';
import { type Kysely, sql } from 'kysely';
import { projectedTopics } from '../src/consumer/consumer';
import { projectionEnv } from '../src/env';
import { startProjectionService } from '../src/service';
import { publishEvents, until } from './helpers';

/** Parsed JSON from the API under test: assertions narrow it, so it is deliberately loose. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions themselves
export type Json = any;

export const devSecret = 'test-secret-test-secret-test-secret-0123';
export const adminToken = 'admin-token-admin-token-admin-token-0123';
export const pseudonymKey = 'pseudonym-key-pseudonym-key-pseudonym-key';

/**
 * The projection as src/index.ts runs it (startProjectionService, configured through its env
 * schema), on a test's own schema and topics, listening on a free port. `now` is fixed so clocks
 * are stable.
 */
export async function startProjection(options: {
  kafka: KafkaClient;
  /** The test's own pool on the database at `url`, for its checks (the service opens its own). */
  db: Kysely<unknown>;
  url: string;
  prefix: string;
  /** The fixture's topic namer: topics named through it are deleted after the test. */
  topic(name: string): string;
  now?: Date;
}) {
  const base = `p_${options.prefix.replace(/[^a-z0-9]/g, '_')}`;
  const topicPrefix = `${options.prefix}.`;
  const topics = projectedTopics(topicPrefix);
  // The service names its topics from KAFKA_TOPIC_PREFIX; asking the fixture for the same names
  // checks they agree and has them (the registry's systems topic too) deleted after the test.
  for (const [name, expected] of [
    ['wmo', topics.wmo],
    ['omgevingswet', topics.omgevingswet],
    [systemsTopicName(''), systemsTopicName(topicPrefix)],
  ] as const) {
    const named = options.topic(name);
    if (named !== expected)
      throw new Error(`the fixture names topic ${name} ${named}, the service ${expected}`);
  }
  const env = loadEnv(projectionEnv, {
    LOG_LEVEL: 'silent',
    DATABASE_URL: options.url,
    // The service uses the shared client; its brokers keep the env truthful.
    KAFKA_BROKERS: options.kafka.settings.brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    KAFKA_PARTITIONS: '3',
    PROJECTION_SCHEMA: base,
    PROJECTION_GROUP_ID: `${options.prefix}-proj`,
    PROJECTION_PORT: '0',
    KETENHUB_HUB_OIN: testContext.hubOin,
    KETENHUB_DEV_TOKENS: 'true',
    KETENHUB_DEV_TOKEN_SECRET: devSecret,
    KETENHUB_ADMIN_TOKEN: adminToken,
    PROJECTION_PSEUDONYM_KEY: pseudonymKey,
    // Tests count the events of their cases: a scan would add termijn-verstreken events to them
    // (the scanner's own test runs its scans by hand).
    PROJECTION_DEADLINE_SCAN_MS: '0',
  });
  const now = options.now ?? new Date('2026-05-20T10:00:00Z');
  const service = await startProjectionService(env, {
    logger: createLogger({ service: 'projection-test', level: 'silent' }),
    kafka: options.kafka,
    now: () => now,
  });
  let publisher: Publisher;
  try {
    // The first NOTIFY must reach the cache and the streams: tests read right after projecting.
    await until(() => service.listener.isConnected(), 10_000, 'listener connected');
    publisher = await createPublisher(options.kafka);
  } catch (error) {
    await service.close();
    throw error;
  }
  const { url, directory } = service;
  let closing: Promise<void> | undefined;

  return {
    url,
    base,
    version: service.version,
    topics,
    /** A registered system of `org` (as the registry would publish it): its id and token. */
    addSystem(
      org: keyof typeof orgs,
      roles: string[],
      consumes: string[],
      name = `sys-${randomUUID().slice(0, 8)}`,
    ) {
      const token = `khs_${randomBytes(32).toString('base64url')}`;
      const id = randomUUID();
      directory.apply({
        version: 1,
        id,
        oin: orgs[org].oin,
        name,
        source: sourceFor(orgs[org].oin, name),
        roles,
        domains: ['wmo', 'omgevingswet'],
        publishes: [],
        consumes,
        kafkaNative: false,
        tokenSha256: createHash('sha256').update(token).digest('hex'),
        revoked: false,
        updatedAt: new Date().toISOString(),
      });
      return { id, token };
    },
    async token(org: keyof typeof orgs, roles: string[], sub = `user-${org}`) {
      return signDevToken(devSecret, { sub, oin: orgs[org].oin, roles });
    },
    async get(path: string, token?: string, headers: Record<string, string> = {}) {
      const res = await fetch(`${url}${path}`, {
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as Json) : null,
        headers: res.headers,
      };
    },
    async publish(domain: 'wmo' | 'omgevingswet', events: readonly KetenEvent[]) {
      await publishEvents(publisher, topics[domain], events);
    },
    async waitForEvents(caseId: string, count: number) {
      await until(
        async () => {
          const r = await sql<{
            n: number;
          }>`select aantal_events as n from ${sql.table(`${base}.cases`)} where id = ${caseId}`.execute(
            options.db,
          );
          return (r.rows[0]?.n ?? 0) >= count;
        },
        60_000,
        `case ${caseId} has ${count} events`,
      );
    },
    close() {
      closing ??= service.close().finally(() => publisher.close());
      return closing;
    },
  };
}

/** Reads server-sent events from a stream until `stop` says so or the timeout passes. */
export async function readSse(
  url: string,
  token: string,
  onEvent: (event: { event: string; id?: string; data: Json }) => boolean | undefined,
  timeoutMs = 20_000,
  headers: Record<string, string> = {},
): Promise<{ status: number; abort(): void; done: Promise<void>; opened: Promise<void> }> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) {
    return {
      status: res.status,
      abort: () => controller.abort(),
      done: Promise.resolve(),
      opened: Promise.resolve(),
    };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((r) => {
    markOpened = r;
  });
  const done = (async () => {
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) return;
        buffer += decoder.decode(value, { stream: true });
        markOpened();
        let idx = buffer.indexOf('\n\n');
        while (idx >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          idx = buffer.indexOf('\n\n');
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const m = /^([a-z]+): ?(.*)$/.exec(line);
            if (m?.[1] && m[2] !== undefined) fields[m[1]] = m[2];
          }
          if (fields.event && fields.data) {
            if (
              onEvent({
                event: fields.event,
                ...(fields.id ? { id: fields.id } : {}),
                data: JSON.parse(fields.data),
              })
            ) {
              controller.abort();
              return;
            }
          }
        }
      }
    } catch {
      // aborted
    } finally {
      clearTimeout(timer);
    }
  })();
  return { status: 200, abort: () => controller.abort(), done, opened };
}
