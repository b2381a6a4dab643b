import type { Server } from 'node:http';
import { migrateToLatest } from '@ketenhub/db';
import {
  ack,
  type ConsumedRecord,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  runConsumer,
  topicOffsets,
} from '@ketenhub/kafka';
import { closeServer, createLogger, createMetrics, listen } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { createServer } from '../src/app';
import { registryMigrations, registrySchema } from '../src/migrations';
import { subscriptionsTopicSpec } from '../src/subscriptions/state-topic';
import { createSubscriptionsService } from '../src/subscriptions/subscriptions.service';
import { systemsTopicSpec } from '../src/systems/state-topic';
import { createSystemsService } from '../src/systems/systems.service';
import type { RegistryDatabase } from '../src/systems/systems.table';
import { zgwCallbackCheck } from '../src/zgw-api/callback-check';

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON answers
export type Json = Record<string, any>;

/**
 * The registry in-process over the test's database and broker, wired as src/index.ts wires it (its
 * own tests and the dispatcher's use it). `call` sends the operator token unless told otherwise.
 */
export async function startRegistry(options: {
  kafka: KafkaClient;
  db: Kysely<unknown>;
  /** Topic prefix as the services get it (ends with a dot). */
  topicPrefix: string;
  adminToken: string;
  webhookKey: string;
  allowLocalHttp?: boolean;
  /** KETENHUB_WEBHOOK_ALLOW_NETWORKS. */
  allowNetworks?: readonly string[];
  devTokenSecret?: string;
  /** The CloudEvents handshake at subscription time (as in production); false: off. */
  handshake?: boolean;
}) {
  const { kafka, topicPrefix } = options;
  await migrateToLatest(options.db, registryMigrations, { schema: registrySchema });
  await ensureTopics(kafka, [systemsTopicSpec(topicPrefix), subscriptionsTopicSpec(topicPrefix)]);
  const publisher = await createPublisher(kafka);
  const logger = createLogger({ service: 'registry-test', level: 'silent' });
  const db = options.db as Kysely<RegistryDatabase>;
  const subscriptions = createSubscriptionsService({
    db,
    publisher,
    logger,
    topicPrefix,
    publishTimeoutMs: 5_000,
    webhookKey: options.webhookKey,
    allowLocalHttp: options.allowLocalHttp ?? true,
    allowNetworks: options.allowNetworks ?? [],
    secretGraceS: 3_600,
    ...(options.handshake === false ? {} : { handshake: { origin: 'ketenhub.test', timeoutMs: 2_000 } }),
    zgwCallbackCheck: zgwCallbackCheck(2_000),
  });
  const systems = createSystemsService({
    db,
    kafka,
    publisher,
    logger,
    topicPrefix,
    partitions: 2,
    publishTimeoutMs: 5_000,
    onRevoke: (trx, row) => subscriptions.onSystemRevoked(trx, row),
  });
  const app = createServer({
    logger,
    metrics: createMetrics('registry'),
    systems,
    subscriptions,
    adminToken: options.adminToken,
    devTokenSecret: options.devTokenSecret,
    zgwApi: { db },
  });
  const { server, port }: { server: Server; port: number } = await listen(app, 0);
  const url = `http://127.0.0.1:${port}`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = options.adminToken,
  ): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
  return {
    url,
    call,
    systems,
    subscriptions,
    close: async () => {
      await closeServer(server);
      await publisher.close();
    },
  };
}

/**
 * Every record of a topic, read with a group of its own (the registry's tests look at what the
 * dispatcher and the gateway would read, without starting them).
 */
export async function readTopic(
  kafka: KafkaClient,
  topic: string,
  groupId: string,
): Promise<ConsumedRecord[]> {
  const offsets = await topicOffsets(kafka, topic);
  const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  if (total === 0) return [];
  const records: ConsumedRecord[] = [];
  const consumer = await runConsumer(kafka, {
    groupId,
    topics: [topic],
    handleBatch: async (batch) => {
      records.push(...batch.records);
      return ack();
    },
  });
  const deadline = Date.now() + 30_000;
  while (records.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.stop();
  return records;
}

/**
 * A webhook receiver on a local port for the CloudEvents handshake: `answer` decides the reply to
 * each OPTIONS (default: consent, no rate); POSTs get 204. Records what was asked.
 */
export async function startHandshakeReceiver(
  answer: (origin: string | undefined) => { status: number; headers?: Record<string, string> } = () => ({
    status: 200,
    headers: { 'webhook-allowed-origin': '*' },
  }),
) {
  const { createServer } = await import('node:http');
  const asked: { method: string; origin: string | undefined; path: string }[] = [];
  const server = createServer((req, res) => {
    const origin = req.headers['webhook-request-origin'] as string | undefined;
    asked.push({ method: req.method ?? '', origin, path: req.url ?? '' });
    req.resume();
    req.on('end', () => {
      if (req.method !== 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      const a = answer(origin);
      res.writeHead(a.status, a.headers ?? {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path = '/hooks') => `http://127.0.0.1:${port}${path}`,
    asked,
    close: () => closeServer(server),
  };
}
