import {
  type CaseWorkerVerifier,
  createBaseApp,
  finishApp,
  type IssuerConfig,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from '@ketenhub/service';
import type { Express } from 'express';
import { requireAdmin, requireCaseWorker } from './api/auth';
import { openApiDocument } from './api/openapi';
import type { CaseReader } from './cases/case-cache';
import { caseRoutes } from './cases/cases.routes';
import type { ProjectionDb } from './database';
import { feedRoutes, type SystemLookup } from './feed/feed.routes';
import { adminRoutes } from './processing-log/admin.routes';
import type { ProcessingLog } from './processing-log/processing-log';
import type { StreamHub } from './stream/hub';
import { uiRoutes } from './ui/ui.routes';

export interface ServerDeps {
  db: ProjectionDb;
  /** Base schema (its views point at the active projection version). */
  schema: string;
  verifier: CaseWorkerVerifier;
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
  /** Joined cases of the active version (cached, see cases/case-cache.ts). */
  cases: CaseReader;
  processingLog: ProcessingLog;
  streamHub: StreamHub;
  /** HMAC key for the data subject in the processing log. */
  pseudonymKey: string;
  adminToken?: string;
  /** Trusted identity providers: the page offers a login with each that has a JWKS. */
  issuers?: readonly IssuerConfig[];
  /** Registered systems (the registry's topic): the catch-up feed authenticates them. */
  systems: SystemLookup;
  /** The only clock the API reads ("today" for legal clocks). */
  now(): Date;
  sseHeartbeatMs?: number;
}

/** The read API, without listening (tests mount it; src/index.ts listens). */
export function createServer(deps: ServerDeps): Express {
  const app = createBaseApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness });
  // Every endpoint authenticates: the description holds no case data, but it is served to case
  // workers (any valid token), as the gateway serves its contract to known callers only.
  app.get('/openapi.json', requireCaseWorker(deps.verifier), (_req, res) => {
    res.json(openApiDocument);
  });
  app.use(uiRoutes({ issuers: deps.issuers ?? [] }));
  app.use('/admin', requireAdmin(deps.adminToken));
  app.use(adminRoutes(deps.processingLog));
  app.use('/cases', requireCaseWorker(deps.verifier));
  app.use(
    caseRoutes({
      db: deps.db,
      schema: deps.schema,
      cases: deps.cases,
      processingLog: deps.processingLog,
      streamHub: deps.streamHub,
      pseudonymKey: deps.pseudonymKey,
      logger: deps.logger,
      now: deps.now,
      ...(deps.sseHeartbeatMs ? { sseHeartbeatMs: deps.sseHeartbeatMs } : {}),
    }),
  );
  app.use(
    feedRoutes({
      db: deps.db,
      schema: deps.schema,
      systems: deps.systems,
      processingLog: deps.processingLog,
      streamHub: deps.streamHub,
      pseudonymKey: deps.pseudonymKey,
      logger: deps.logger,
    }),
  );
  return finishApp(app, deps.logger);
}

export { openApiDocument };
