import {
  createBaseApp,
  finishApp,
  jsonBody,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from '@ketenhub/service';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { requireAdmin } from './auth/admin';
import type { DispatcherDatabase } from './db';
import { deliveriesRouter } from './deliveries/deliveries.routes';
import type { JobsService } from './replays/jobs';

export interface DispatcherDeps {
  logger: Logger;
  metrics: Metrics;
  db: Kysely<DispatcherDatabase>;
  adminToken: string;
  /** Wakes the sender after an operator re-queued or resumed something. */
  wakeSender: () => void;
  /** Replays and backfills. */
  jobs: JobsService;
  readiness?: Record<string, ReadinessCheck>;
}

/** The dispatcher's HTTP app (operator API, health, metrics), without listening. */
export function createServer(deps: DispatcherDeps): Express {
  const app = createBaseApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness ?? {} });
  app.use('/subscriptions', requireAdmin(deps.adminToken), ...jsonBody({ limit: '1mb' }));
  app.use(deliveriesRouter(deps.db, deps.wakeSender, deps.jobs));
  return finishApp(app, deps.logger);
}

export type { DispatcherDatabase } from './db';
export { type DispatcherEnv, dispatcherEnv } from './env';
export { dispatcherMigrations, dispatcherSchema } from './migrations';
