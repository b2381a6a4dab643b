import type { KafkaClient } from '@ketenhub/kafka';

export { readTopic } from '@ketenhub/kafka/testing';

import { closeServer, loadEnv } from '@ketenhub/service';
import { type Kysely, sql } from 'kysely';
import { inject } from 'vitest';
import { registryEnv } from '../src/env';
import { startRegistryService } from '../src/service';

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON answers
export type Json = Record<string, any>;

/**
 * The registry in-process over the test's database and broker, started by the composition root
 * src/index.ts uses, with its settings as env variables (its own tests and the dispatcher's use
 * it). `call` sends the operator token unless told otherwise.
 */
export async function startRegistry(options: {
  /** Its brokers are the registry's KAFKA_BROKERS; the registry makes a client of its own. */
  kafka: KafkaClient;
  /** A pool on the test's database; the registry opens one of its own on the same database. */
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
  const env = loadEnv(registryEnv, {
    LOG_LEVEL: 'silent',
    DATABASE_URL: await databaseUrlOf(options.db),
    KAFKA_BROKERS: options.kafka.settings.brokers.join(','),
    KAFKA_TOPIC_PREFIX: options.topicPrefix,
    // Each registered system gets an ingress topic; fewer partitions keep the shared broker light.
    KAFKA_PARTITIONS: '2',
    KETENHUB_ADMIN_TOKEN: options.adminToken,
    KETENHUB_WEBHOOK_KEY: options.webhookKey,
    KETENHUB_WEBHOOK_LOCAL_HTTP: String(options.allowLocalHttp ?? true),
    KETENHUB_WEBHOOK_ALLOW_NETWORKS: (options.allowNetworks ?? []).join(','),
    ...(options.devTokenSecret
      ? { KETENHUB_DEV_TOKENS: 'true', KETENHUB_DEV_TOKEN_SECRET: options.devTokenSecret }
      : {}),
    REGISTRY_WEBHOOK_HANDSHAKE: options.handshake === false ? 'off' : 'required',
    // The origin the tests' receivers and assertions expect; a receiver that cannot be reached
    // should fail its test in seconds, not in the production 10.
    KETENHUB_WEBHOOK_ORIGIN: 'ketenhub.test',
    REGISTRY_WEBHOOK_HANDSHAKE_TIMEOUT_MS: '2000',
    REGISTRY_PORT: '0',
    REGISTRY_HOST: '127.0.0.1',
  });
  const registry = await startRegistryService(env);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = options.adminToken,
  ): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${registry.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
  return {
    url: registry.url,
    call,
    systems: registry.systems,
    subscriptions: registry.subscriptions,
    close: registry.close,
  };
}

/**
 * The URL of the database `db` is a pool on. The fixtures hand out the pool; its database is one the
 * testkit made on the run's server, so the server's URL with that database's name reaches it.
 */
async function databaseUrlOf(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db);
  const name = rows[0]?.name;
  if (!name) throw new Error('current_database() returned nothing');
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
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
