import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrateToLatest } from '@ketenhub/db';
import { closeServer, createLogger, listen } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import {
  type ConnectorDatabase,
  connectorMigrations,
  connectorSchema,
  createBronnen,
  createConnectorMetrics,
  createRelay,
  createServer,
  createWorker,
  parseConfig,
} from '../src/app';
import { countByStatus } from '../src/notificaties/notificaties.repository';
import { countPending } from '../src/outbox/outbox.repository';

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON
export type Json = Record<string, any>;

/**
 * The gateway's public `POST /events` as far as the connector sees it: a system token, batches, 202
 * per accepted event and idempotent by id, 4xx problems per refused event, 503 when Kafka is away.
 * Here to drive the refusal and outage paths on cue; the e2e test runs the real gateway.
 */
export async function startGatewayStandIn(token: string) {
  const accepted = new Map<string, Json>();
  const received: Json[] = [];
  let unavailable = false;
  let refuse: (event: Json) => Json | undefined = () => undefined;
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.statusCode = status;
        res.setHeader('content-type', status >= 400 ? 'application/problem+json' : 'application/json');
        if (status === 503) res.setHeader('retry-after', '1');
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${token}`) {
        reply(401, {
          type: 'https://ketenhub.nl/problems/unauthenticated',
          title: 'Not authenticated',
          status: 401,
        });
        return;
      }
      if (unavailable) {
        reply(503, {
          type: 'https://ketenhub.nl/problems/unavailable',
          title: 'Service unavailable',
          status: 503,
        });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json | Json[];
      const events = Array.isArray(body) ? body : [body];
      const results = events.map((event, index) => {
        received.push(event);
        const problem = accepted.has(event.id) ? undefined : refuse(event);
        if (problem) return { index, id: event.id, status: problem.status as number, problem };
        if (!accepted.has(event.id)) accepted.set(event.id, event);
        return { index, id: event.id, status: 202 };
      });
      const rejected = results.filter((r) => r.status !== 202).length;
      reply(rejected === 0 ? 202 : 207, { accepted: results.length - rejected, rejected, results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Accepted events in the order they were accepted. */
    accepted: () => [...accepted.values()],
    received,
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    setRefuse(fn: (event: Json) => Json | undefined) {
      refuse = fn;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The connector wired as src/index.ts wires it, in-process, over the test's database. */
export async function startConnector(options: {
  db: Kysely<unknown>;
  config: unknown;
  gatewayUrl: string;
  operatorToken: string;
}) {
  await migrateToLatest(options.db, connectorMigrations, { schema: connectorSchema });
  const db = options.db as Kysely<ConnectorDatabase>;
  const logger = createLogger({ service: 'connector-zgw-test', level: process.env.ZGW_TEST_LOG ?? 'silent' });
  const config = parseConfig(JSON.stringify(options.config), 'test');
  const bronnen = createBronnen(config, {
    gatewayUrl: options.gatewayUrl,
    fetchTimeoutMs: 5_000,
    readFile: (path) => readFileSync(path, 'utf8'),
    publishAttempts: 1,
  });
  const metrics = createConnectorMetrics(async () => ({
    pending: await countByStatus(db),
    outbox: await countPending(db),
  }));
  const timing = { pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 };
  const relay = createRelay({ db, bronnen, logger, metrics, batchSize: 50, ...timing });
  const worker = createWorker({
    db,
    bronnen,
    logger,
    metrics,
    concurrency: 4,
    leaseMs: 10_000,
    giveUpAfterMs: 60_000,
    retentionMs: 86_400_000,
    onEnqueued: () => relay.wake(),
    ...timing,
  });
  const app = createServer({
    db,
    logger,
    metrics,
    bronnen,
    operatorToken: options.operatorToken,
    wakeWorker: () => worker.wake(),
  });
  const { server, port } = await listen(app, 0);
  worker.start();
  relay.start();
  const url = `http://127.0.0.1:${port}`;
  const operator = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.operatorToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  return {
    url,
    callbackUrl: `${url}/notificaties`,
    db,
    worker,
    relay,
    operator,
    async stop() {
      await worker.stop();
      await relay.stop();
      await closeServer(server);
    },
  };
}

export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
