import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadEnv } from '@ketenhub/service';
import { connectorEnv } from '../src/env';
import { startConnectorService } from '../src/service';

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

/**
 * The connector in-process over the test's database, started by the composition root
 * src/index.ts uses (src/service.ts), its settings as connector variables: only the timing is
 * quicker than production's, so the retries and leases of a test take milliseconds.
 */
export async function startConnector(options: {
  databaseUrl: string;
  config: unknown;
  gatewayUrl: string;
  operatorToken: string;
}) {
  const env = loadEnv(connectorEnv, {
    LOG_LEVEL: process.env.ZGW_TEST_LOG ?? 'silent',
    DATABASE_URL: options.databaseUrl,
    ZGW_PORT: '0',
    ZGW_OPERATOR_TOKEN: options.operatorToken,
    ZGW_GATEWAY_URL: options.gatewayUrl,
    ZGW_CONFIG: JSON.stringify(options.config),
    ZGW_FETCH_TIMEOUT_MS: '5000',
    ZGW_CONCURRENCY: '4',
    ZGW_POLL_MS: '50',
    ZGW_RETRY_BASE_MS: '50',
    ZGW_RETRY_MAX_MS: '200',
    ZGW_LEASE_MS: '10000',
    ZGW_GIVE_UP_AFTER_MS: '60000',
    ZGW_RELAY_BATCH: '50',
  });
  const connector = await startConnectorService(env, { publishAttempts: 1 });
  const { url } = connector;
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
    db: connector.db,
    worker: connector.worker,
    relay: connector.relay,
    operator,
    stop: () => connector.close(),
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
