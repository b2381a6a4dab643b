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
import { devTokensRouter } from './dev-tokens/dev-tokens.routes';
import { subscriptionsRouter } from './subscriptions/subscriptions.routes';
import type { SubscriptionsService } from './subscriptions/subscriptions.service';
import { systemsRouter } from './systems/systems.routes';
import type { SystemsService } from './systems/systems.service';
import type { RegistryDatabase } from './systems/systems.table';
import { zgwApiRouter } from './zgw-api/zgw-api.routes';

export interface RegistryDeps {
  logger: Logger;
  metrics: Metrics;
  systems: SystemsService;
  /** Webhook subscriptions; absent: `/systems/{id}/subscriptions` answers 404. */
  subscriptions?: SubscriptionsService;
  adminToken: string;
  /** The dev issuer's secret when dev tokens are on; undefined switches `POST /dev/tokens` off (404). */
  devTokenSecret?: string;
  readiness?: Record<string, ReadinessCheck>;
  /**
   * The Open Notificaties-compatible façade (`/api/v1/kanaal`, `/api/v1/abonnement`) for systems
   * with their own token; absent: not mounted. Needs `subscriptions`.
   */
  zgwApi?: { db: Kysely<RegistryDatabase>; publicUrl?: string | undefined };
}

/** The registry's HTTP app, without listening (tests mount it; src/index.ts listens). */
export function createServer(deps: RegistryDeps): Express {
  const app = createBaseApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness ?? {} });
  const admin = requireAdmin(deps.adminToken);
  app.use(['/systems', '/dev'], admin, ...jsonBody({ limit: '64kb' }));
  app.use(systemsRouter(deps.systems));
  if (deps.subscriptions) app.use(subscriptionsRouter(deps.subscriptions));
  if (deps.subscriptions && deps.zgwApi) {
    app.use(
      '/api/v1',
      zgwApiRouter({ ...deps.zgwApi, subscriptions: deps.subscriptions, logger: deps.logger }),
    );
  }
  if (deps.devTokenSecret) app.use(devTokensRouter(deps.devTokenSecret));
  return finishApp(app, deps.logger);
}

export { deriveSigningSecret } from '@ketenhub/service';
export { type RegistryEnv, registryEnv } from './env';
export { registryMigrations, registrySchema } from './migrations';
export {
  type SubscriptionStateRecord,
  subscriptionsTopicName,
  subscriptionsTopicSpec,
} from './subscriptions/state-topic';
export {
  createSubscriptionsService,
  type SubscriptionsDeps,
  type SubscriptionsService,
} from './subscriptions/subscriptions.service';
export { type SystemStateRecord, systemsTopicName, systemsTopicSpec } from './systems/state-topic';
export { type Registration, type System, systemTopics } from './systems/system';
export { createSystemsService, type SystemsDeps, type SystemsService } from './systems/systems.service';
export type { RegistryDatabase } from './systems/systems.table';
export { hashSystemToken } from './systems/token';
