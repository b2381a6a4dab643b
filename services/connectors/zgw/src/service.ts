import { readFileSync } from 'node:fs';
import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import {
  closeServer,
  createLogger,
  type Logger,
  listen,
  OpenedParts,
  reachableHost,
} from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { createServer } from './app';
import { createBronnen } from './config/bronnen';
import { hubSource, parseConfig, publishesOf } from './config/config';
import type { ConnectorDatabase } from './db';
import type { ConnectorEnv } from './env';
import { createConnectorMetrics } from './metrics';
import { connectorMigrations, connectorSchema } from './migrations';
import { countByStatus } from './notificaties/notificaties.repository';
import { countPending } from './outbox/outbox.repository';
import { createRelay, type Relay } from './outbox/relay';
import { createWorker, type Worker } from './verwerking/worker';

/** What is not configuration: everything else comes from {@link ConnectorEnv}, in tests as in production. */
export interface ConnectorSeams {
  /** Default: a pino logger at LOG_LEVEL. */
  logger?: Logger;
  /**
   * Attempts of one publish inside the gateway client before the outbox's own retry takes over
   * (default 2). Tests set 1 so a refusal or an outage reaches the outbox on cue.
   */
  publishAttempts?: number;
}

export interface RunningConnector {
  port: number;
  /** Base URL as this machine reaches it; ZGW notifications arrive at `<url>/notificaties`. */
  url: string;
  db: Kysely<ConnectorDatabase>;
  worker: Worker;
  relay: Relay;
  /** Stops the loops and the HTTP server, then the pool; the failures of any together. */
  close(): Promise<void>;
}

/**
 * The ZGW connector's composition root after env is parsed: configuration, database, the
 * processing worker, the outbox relay to the gateway, the HTTP intake and operator API. src/index.ts
 * and the tests start it here, so tests run the wiring production runs.
 */
export async function startConnectorService(
  env: ConnectorEnv,
  seams: ConnectorSeams = {},
): Promise<RunningConnector> {
  const logger = seams.logger ?? createLogger({ service: 'connector-zgw', level: env.LOG_LEVEL });
  const parts = new OpenedParts();
  return parts.startOrAbandon(logger, env.SHUTDOWN_TIMEOUT_MS, async () => {
    return await start(env, seams, logger, parts);
  });
}

async function start(
  env: ConnectorEnv,
  seams: ConnectorSeams,
  logger: Logger,
  parts: OpenedParts,
): Promise<RunningConnector> {
  const config = env.ZGW_CONFIG_FILE
    ? parseConfig(readFileSync(env.ZGW_CONFIG_FILE, 'utf8'), env.ZGW_CONFIG_FILE)
    : parseConfig(env.ZGW_CONFIG ?? '', 'ZGW_CONFIG');
  const bronnen = createBronnen(config, {
    gatewayUrl: env.ZGW_GATEWAY_URL,
    fetchTimeoutMs: env.ZGW_FETCH_TIMEOUT_MS,
    readFile: (path) => readFileSync(path, 'utf8'),
    ...(seams.publishAttempts === undefined ? {} : { publishAttempts: seams.publishAttempts }),
  });

  const db = await openServiceDatabase<ConnectorDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-connector-zgw',
    maxConnections: env.ZGW_DB_POOL,
    migrations: connectorMigrations,
    schema: connectorSchema,
  });
  parts.add('database', () => db.destroy());
  logger.info({ database: redactUrl(env.DATABASE_URL) }, 'database migrated');

  const metrics = createConnectorMetrics(async () => ({
    pending: await countByStatus(db),
    outbox: await countPending(db),
  }));
  const timing = {
    pollMs: env.ZGW_POLL_MS,
    retryBaseMs: env.ZGW_RETRY_BASE_MS,
    retryMaxMs: env.ZGW_RETRY_MAX_MS,
  };
  const relay = createRelay({ db, bronnen, logger, metrics, batchSize: env.ZGW_RELAY_BATCH, ...timing });
  const worker = createWorker({
    db,
    bronnen,
    logger,
    metrics,
    concurrency: env.ZGW_CONCURRENCY,
    leaseMs: env.ZGW_LEASE_MS,
    giveUpAfterMs: env.ZGW_GIVE_UP_AFTER_MS,
    retentionMs: env.ZGW_RETENTION_MS,
    onEnqueued: () => relay.wake(),
    ...timing,
  });

  const app = createServer({
    db,
    logger,
    metrics,
    bronnen,
    operatorToken: env.ZGW_OPERATOR_TOKEN,
    wakeWorker: () => worker.wake(),
    readiness: { database: () => isDatabaseReachable(db as never) },
  });
  const { server, port } = await listen(app, env.ZGW_PORT, env.ZGW_HOST);
  // Closed worker first, then the relay, as before the root moved here.
  relay.start();
  parts.add('relay', () => relay.stop());
  worker.start();
  parts.add('worker', () => worker.stop());
  // Requests stop first: one still running could otherwise find the worker or the pool gone.
  parts.add('http', () => closeServer(server));
  for (const { config: bron } of bronnen.values()) {
    logger.info(
      {
        bron: bron.id,
        source: hubSource(bron),
        publishes: publishesOf(bron),
        zaaktypen: bron.zaaktypen.length,
      },
      'ZGW source configured',
    );
  }
  logger.info({ port }, 'ZGW connector listening');
  return {
    port,
    url: `http://${reachableHost(env.ZGW_HOST)}:${port}`,
    db,
    worker,
    relay,
    close: () => parts.close(),
  };
}
