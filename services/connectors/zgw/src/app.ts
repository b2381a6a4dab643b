import { createBaseApp, finishApp, jsonBody, type Logger, type ReadinessCheck } from '@ketenhub/service';
import express, { type Express } from 'express';
import type { Kysely } from 'kysely';
import { createCallbackAuth } from './auth/callback';
import { requireOperator } from './auth/operator';
import type { BronRuntime } from './config/bronnen';
import { bronnenRouter } from './config/bronnen.routes';
import type { ConnectorDatabase } from './db';
import { koppelingenRouter } from './koppelingen/koppelingen.routes';
import type { ConnectorMetrics } from './metrics';
import { intakeRouter } from './notificaties/intake.routes';
import { onverwerktRouter } from './notificaties/onverwerkt.routes';

export interface ConnectorDeps {
  db: Kysely<ConnectorDatabase>;
  logger: Logger;
  metrics: ConnectorMetrics;
  bronnen: ReadonlyMap<string, BronRuntime>;
  operatorToken: string;
  /** Wakes the worker: a notification was stored or queued again. */
  wakeWorker: () => void;
  readiness?: Record<string, ReadinessCheck>;
}

/** The connector's HTTP app, without listening (tests mount it; src/index.ts listens). */
export function createServer(deps: ConnectorDeps): Express {
  const app = createBaseApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness ?? {} });
  const bronnen = [...deps.bronnen.values()].map((b) => b.config);
  const afzenderOf = createCallbackAuth({
    abonnementen: new Map(bronnen.map((b) => [b.callbackAuthSha256, b.id])),
    publicerendeClients: new Map(
      bronnen.flatMap((b) =>
        b.openZaak ? [[b.openZaak.clientId, { secret: b.openZaak.secret, bron: b.id }]] : [],
      ),
    ),
  });
  app.use(
    intakeRouter({
      db: deps.db,
      logger: deps.logger,
      metrics: deps.metrics,
      afzenderOf,
      onStored: deps.wakeWorker,
    }),
  );
  app.use(
    ['/links', '/onverwerkt', '/bronnen'],
    requireOperator(deps.operatorToken),
    ...jsonBody({ limit: '64kb' }),
  );
  app.use(koppelingenRouter({ db: deps.db, bronnen: deps.bronnen, onRequeued: deps.wakeWorker }));
  app.use(onverwerktRouter({ db: deps.db, onRequeued: deps.wakeWorker }));
  app.use(bronnenRouter(deps.bronnen));
  return finishApp(app, deps.logger);
}

export { hashCallbackAuth } from './auth/callback';
export { type BronRuntime, createBronnen } from './config/bronnen';
export { type ConnectorConfig, configSchema, parseConfig, publishesOf } from './config/config';
export type { ConnectorDatabase } from './db';
export { type ConnectorEnv, connectorEnv } from './env';
export { createConnectorMetrics } from './metrics';
export { connectorMigrations, connectorSchema } from './migrations';
export { createRelay } from './outbox/relay';
export { createWorker } from './verwerking/worker';
