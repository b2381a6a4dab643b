import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { orgs, testContext } from '@ketenhub/case-model/testing';
import { SystemDirectory } from '@ketenhub/directory';
import { type KetenEvent, sourceFor } from '@ketenhub/events';
import {
  caseEventTopic,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  type Publisher,
  type RunningConsumer,
} from '@ketenhub/kafka';
import {
  caseWorkerAudience,
  closeServer,
  createCaseWorkerVerifier,
  createLogger,
  createMetrics,
  devIssuer,
  devIssuerOinPattern,
  listen,
  signDevToken,
} from '@ketenhub/service';
import { type Kysely, sql } from 'kysely';
import { createServer } from '../src/app';
import { startProjectionConsumer } from '../src/consumer/consumer';
import { typed } from '../src/database';
import { createProcessingLog } from '../src/processing-log/processing-log';
import { startLiveCases } from '../src/stream/live-cases';
import { ensureActiveVersion, type VersionInfo } from '../src/versions/versions';
import { publishEvents, until } from './helpers';

/** Parsed JSON from the API under test: assertions narrow it, so it is deliberately loose. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions themselves
export type Json = any;

export const devSecret = 'test-secret-test-secret-test-secret-0123';
export const adminToken = 'admin-token-admin-token-admin-token-0123';
export const pseudonymKey = 'pseudonym-key-pseudonym-key-pseudonym-key';

/**
 * The projection wired as src/index.ts does (consumer, LISTEN, stream hub, processing log, API),
 * on a test's own schema and topics, listening on a free port. `now` is fixed so clocks are stable.
 */
export async function startProjection(options: {
  kafka: KafkaClient;
  db: Kysely<unknown>;
  url: string;
  prefix: string;
  topic(name: string): string;
  now?: Date;
}) {
  const base = `p_${options.prefix.replace(/[^a-z0-9]/g, '_')}`;
  const logger = createLogger({ service: 'projection-test', level: 'silent' });
  const metrics = createMetrics('projection-test');
  const db = typed(options.db);
  const version: VersionInfo = await ensureActiveVersion(options.db, base, `${options.prefix}-proj`);
  const topics = { wmo: options.topic('wmo'), omgevingswet: options.topic('omgevingswet') };
  await ensureTopics(options.kafka, [caseEventTopic(topics.wmo, 3), caseEventTopic(topics.omgevingswet, 3)]);
  const consumer: RunningConsumer = await startProjectionConsumer({
    client: options.kafka,
    db,
    version,
    topics: [topics.wmo, topics.omgevingswet],
    ctx: testContext,
    logger,
    metrics,
  });
  const { cases, streamHub, listener } = startLiveCases({
    db,
    schema: base,
    url: options.url,
    logger,
    cacheEntries: 1_000,
  });
  await until(() => listener.isConnected(), 10_000, 'listener connected');
  const processingLog = createProcessingLog(db, base);
  // Systems as the registry's topic would bring them; tests add them directly.
  const directory = new SystemDirectory();
  const now = options.now ?? new Date('2026-05-20T10:00:00Z');
  const app = createServer({
    db,
    schema: base,
    verifier: createCaseWorkerVerifier([
      { issuer: devIssuer, audience: caseWorkerAudience, secret: devSecret, oinPattern: devIssuerOinPattern },
    ]),
    logger,
    metrics,
    readiness: { consumer: () => consumer.isReady() },
    cases,
    processingLog,
    streamHub,
    pseudonymKey,
    adminToken,
    systems: { byTokenFresh: async (token: string) => directory.byToken(token) },
    now: () => now,
  });
  const { server, port } = await listen(app, 0);
  const publisher: Publisher = await createPublisher(options.kafka);
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    base,
    version,
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
    async close() {
      await closeServer(server);
      await listener.close();
      await consumer.stop();
      await publisher.close();
      await processingLog.close();
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
