import { readFileSync } from 'node:fs';
import { isDatabaseReachable, openServiceDatabase, redactUrl } from '@ketenhub/db';
import { closeServer, createLogger, listen, loadEnv, onShutdown } from '@ketenhub/service';
import { createServer } from './app';
import { createBronnen } from './config/bronnen';
import { hubSource, parseConfig, publishesOf } from './config/config';
import type { ConnectorDatabase } from './db';
import { connectorEnv } from './env';
import { createConnectorMetrics } from './metrics';
import { connectorMigrations, connectorSchema } from './migrations';
import { countByStatus } from './notificaties/notificaties.repository';
import { countPending } from './outbox/outbox.repository';
import { createRelay } from './outbox/relay';
import { createWorker } from './verwerking/worker';

/** The connector's composition root: env and configuration, database, clients, loops, listen, shutdown. */
async function main() {
  const env = loadEnv(connectorEnv);
  const logger = createLogger({ service: 'connector-zgw', level: env.LOG_LEVEL });
  const config = env.ZGW_CONFIG_FILE
    ? parseConfig(readFileSync(env.ZGW_CONFIG_FILE, 'utf8'), env.ZGW_CONFIG_FILE)
    : parseConfig(env.ZGW_CONFIG ?? '', 'ZGW_CONFIG');
  const bronnen = createBronnen(config, {
    gatewayUrl: env.ZGW_GATEWAY_URL,
    fetchTimeoutMs: env.ZGW_FETCH_TIMEOUT_MS,
    readFile: (path) => readFileSync(path, 'utf8'),
  });

  const db = await openServiceDatabase<ConnectorDatabase>({
    url: env.DATABASE_URL,
    applicationName: 'ketenhub-connector-zgw',
    maxConnections: env.ZGW_DB_POOL,
    migrations: connectorMigrations,
    schema: connectorSchema,
  });
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
  worker.start();
  relay.start();
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

  onShutdown(
    logger,
    [
      { name: 'database', close: () => db.destroy() },
      { name: 'relay', close: () => relay.stop() },
      { name: 'worker', close: () => worker.stop() },
      { name: 'http', close: () => closeServer(server) },
    ],
    env.SHUTDOWN_TIMEOUT_MS,
  );
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad env or configuration): one line on stderr, then a non-zero exit.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
