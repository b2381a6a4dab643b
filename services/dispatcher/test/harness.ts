import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookHandshake } from '@ketenhub/client';
import { type CaseDomain, caseDomains, type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import { exampleOrganisations } from '@ketenhub/events/testing';
import {
  caseEventTopic,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  type Publisher,
} from '@ketenhub/kafka';
import { closeServer, loadEnv } from '@ketenhub/service';
import { test as base } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import type { z } from 'zod';
import { registrySchema } from '../../registry/src/migrations';
import { startRegistry as startTestRegistry } from '../../registry/test/harness';
import { dispatcherEnv } from '../src/env';
import { dispatcherSchema } from '../src/migrations';
import { type RunningDispatcher, startDispatcherService } from '../src/service';

export const adminToken = 'operator-token-for-dispatcher-tests-0123456789';
export const webhookKey = 'webhook-master-key-for-dispatcher-tests-012345';

/** Fast retries for tests: 25 attempts within about 20 s. */
export const testRetrySchedule = [0, 100, 200, 400, 800, ...Array.from({ length: 20 }, () => 1_000)];

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON answers
export type Json = Record<string, any>;

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** The registry in-process (its test harness): the real operator API that makes systems and subscriptions. */
export async function startRegistry(kafka: KafkaClient, db: Kysely<unknown>, prefix: string) {
  const registry = await startTestRegistry({ kafka, db, topicPrefix: prefix, adminToken, webhookKey });
  return {
    /** The registry's base URL (its systems' own APIs, such as the ZGW façade, take their tokens). */
    url: registry.url,
    call: (method: string, path: string, body?: unknown) => registry.call(method, path, body),
    /** Registers a system and subscribes it to `url`; returns ids and the signing secret. */
    async subscriber(
      spec: { oin: string; name: string; roles: string[]; consumes: string[]; domains?: CaseDomain[] },
      url: string,
      types?: string[],
      extra: Record<string, unknown> = {},
    ) {
      const system = await registry.call('POST', '/systems', {
        domains: ['wmo'],
        ...spec,
        publishes: [],
      });
      if (system.status !== 201) throw new Error(`register: ${JSON.stringify(system.body)}`);
      const sub = await registry.call('POST', `/systems/${system.body.id}/subscriptions`, {
        url,
        types,
        ...extra,
      });
      if (sub.status !== 201) throw new Error(`subscribe: ${JSON.stringify(sub.body)}`);
      return {
        systemId: system.body.id as string,
        id: sub.body.id as string,
        secret: sub.body.secret as string,
      };
    },
    close: registry.close,
  };
}

/** Dispatcher variables as a test sets them: the strings an operator would write. */
export type DispatcherVariables = Partial<Record<keyof z.input<typeof dispatcherEnv>, string>>;

/**
 * Where the tests' dispatcher differs from production's defaults, set as an operator would:
 * fast retries, short timeouts and polls, a short replay lease, plain http to this machine.
 */
const testSettings = {
  KAFKA_PARTITIONS: '3',
  KETENHUB_ADMIN_TOKEN: adminToken,
  KETENHUB_WEBHOOK_KEY: webhookKey,
  KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
  KETENHUB_WEBHOOK_ORIGIN: 'ketenhub.test',
  KETENHUB_HUB_OIN: exampleOrganisations.ketenhub.oin,
  DISPATCHER_PORT: '0',
  DISPATCHER_PROJECTION_URL: 'https://hub.test',
  DISPATCHER_CONCURRENCY: '8',
  DISPATCHER_SUBSCRIPTION_MAX_IN_FLIGHT: '8',
  DISPATCHER_TIMEOUT_MS: '2000',
  DISPATCHER_RETRY_SCHEDULE: testRetrySchedule.map((ms) => `${ms}ms`).join(','),
  DISPATCHER_RETRY_AFTER_MAX_MS: '5000',
  DISPATCHER_POLL_MS: '100',
  DISPATCHER_REPLAY_LEASE_MS: '6000',
  DISPATCHER_SESSION_TIMEOUT_MS: '10000',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
} satisfies DispatcherVariables;

/** The configuration a test's dispatcher runs with: parsed by the real schema, as src/index.ts parses it. */
function dispatcherTestEnv(databaseUrl: string, prefix: string, settings: DispatcherVariables = {}) {
  return loadEnv(dispatcherEnv, {
    ...testSettings,
    DATABASE_URL: databaseUrl,
    KAFKA_TOPIC_PREFIX: prefix,
    ...settings,
  });
}

export interface TestDispatcher extends RunningDispatcher {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  status(subscriptionId: string): Promise<Json>;
}

/**
 * The dispatcher in-process, started by the composition root src/index.ts uses, with the test
 * settings above (and `settings` over them) and the test's shared Kafka client.
 */
export async function startDispatcher(
  kafka: KafkaClient,
  databaseUrl: string,
  prefix: string,
  settings: DispatcherVariables = {},
): Promise<TestDispatcher> {
  const dispatcher = await startDispatcherService(dispatcherTestEnv(databaseUrl, prefix, settings), {
    kafka,
  });
  return {
    ...dispatcher,
    call: (method, path, body) => call(dispatcher.url, method, path, body),
    status: async (id) => (await call(dispatcher.url, 'GET', `/subscriptions/${id}/status`)).body,
  };
}

/**
 * A clean slate for one test in the file's database: the two services' schemas dropped and
 * migrated again (tests of one file share the database; the dispatcher's tables are not per prefix).
 */
export async function resetSchemas(db: Kysely<unknown>) {
  await sql`drop schema if exists ${sql.id(dispatcherSchema)} cascade`.execute(db);
  await sql`drop schema if exists ${sql.id(registrySchema)} cascade`.execute(db);
}

/** Domain topics under `prefix`, created as the services create them. */
export async function domainTopics(kafka: KafkaClient, prefix: string) {
  await ensureTopics(
    kafka,
    caseDomains.map((d) => caseEventTopic(`${prefix}${d}`, 3)),
  );
}

/**
 * Appends events straight to a domain topic (structured mode, key = chain case id), as the gateway
 * would, but without its checks: what the dispatcher decides must hold whatever reaches Kafka.
 */
export async function publishEvents(
  publisher: Publisher,
  prefix: string,
  events: readonly KetenEvent[],
  domain: CaseDomain = 'wmo',
) {
  await publisher.publish(
    events.map((e) => {
      const r = toKafkaRecord(e);
      return { topic: `${prefix}${domain}`, key: r.key, value: r.value, headers: { ...r.headers } };
    }),
  );
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
  at: number;
  event: { id: string; type: string; subject: string; source: string };
}

export type Behaviour = (
  event: Received['event'],
  attempt: number,
) => { status: number; headers?: Record<string, string> };

/**
 * A real HTTP receiver on a local port; `behaviour` decides each answer (default 204). It answers
 * the CloudEvents handshake with consent, and `allowedRate` (requests per minute) when given.
 */
export async function startReceiver(port = 0, allowedRate: number | '*' = '*') {
  let behaviour: Behaviour = () => ({ status: 204 });
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The CloudEvents handshake the registry asks when subscribing: consent.
      const consent = webhookHandshake(req.method, req.headers, { ratePerMinute: allowedRate });
      if (consent) {
        res.writeHead(200, consent).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as Received['event'];
      const n = (attempts.get(parsed.id) ?? 0) + 1;
      attempts.set(parsed.id, n);
      const answer = behaviour(parsed, n);
      received.push({ headers: req.headers, body, status: answer.status, at: Date.now(), event: parsed });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}/hooks/${randomUUID()}`,
    received,
    /** Events answered 2xx, in the order they were accepted. */
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    behave(next: Behaviour) {
      behaviour = next;
    },
    close: () => closeServer(server),
  };
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a test needs, started on a clean schema; `close` stops it all. */
async function setup(fixtures: {
  kafka: { client: KafkaClient };
  testDb: { url: string; db: Kysely<unknown> };
  prefix: string;
}) {
  const prefix = `${fixtures.prefix}.`;
  const db = fixtures.testDb.db;
  await resetSchemas(db);
  await domainTopics(fixtures.kafka.client, prefix);
  const registry = await startRegistry(fixtures.kafka.client, db, prefix);
  const publisher: Publisher = await createPublisher(fixtures.kafka.client);
  const closers: (() => Promise<void>)[] = [registry.close, () => publisher.close()];
  const outbox = async (subscriptionId: string) =>
    (
      await sql<{ event_id: string; event_type: string; status: string }>`
        select event_id, event_type, status from dispatcher.deliveries
        where subscription_id = ${subscriptionId} order by id`.execute(db)
    ).rows;
  return {
    prefix,
    db,
    kafka: fixtures.kafka.client,
    registry,
    publisher,
    /** Straight to Kafka, past the gateway's checks. */
    publish: (events: KetenEvent[], domain: CaseDomain = 'wmo') =>
      publishEvents(publisher, prefix, events, domain),
    /** The events consumer's group the dispatcher will run with (its positions are stored under it). */
    groupId: `${prefix}${dispatcherTestEnv(fixtures.testDb.url, prefix).DISPATCHER_GROUP_ID}`,
    /** Starts a dispatcher; `settings` over the test settings (DISPATCHER_* variables, as an operator sets them). */
    async dispatcher(settings?: DispatcherVariables) {
      const d = await startDispatcher(fixtures.kafka.client, fixtures.testDb.url, prefix, settings);
      closers.unshift(d.close);
      return d;
    },
    async receiver(port?: number, allowedRate?: number) {
      const r = await startReceiver(port, allowedRate);
      closers.unshift(r.close);
      return r;
    },
    outbox,
    /** Event ids queued for a subscription, in queue order. */
    queued: async (subscriptionId: string) => (await outbox(subscriptionId)).map((r) => r.event_id),
    /** Waits until the fan-out queued `eventId` for the subscription (and so everything before it in its case). */
    untilQueued: (subscriptionId: string, eventId: string) =>
      until(
        async () => (await outbox(subscriptionId)).some((r) => r.event_id === eventId),
        `${eventId} queued`,
      ),
    async close() {
      for (const close of closers) await close().catch(() => undefined);
    },
  };
}

export type Hub = Awaited<ReturnType<typeof setup>>;

/** `test` with `hub`: each test gets its own clean hub, closed afterwards whatever the test did. */
export const hubTest = base.extend<{ hub: Hub }>({
  hub: async ({ kafka, testDb, prefix }, use) => {
    const hub = await setup({ kafka, testDb, prefix });
    try {
      await use(hub);
    } finally {
      await hub.close();
    }
  },
});
