import type { RequestListener } from 'node:http';
import {
  AppError,
  createBaseApp,
  finishApp,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from '@ketenhub/service';
import type { RequestHandler } from 'express';
import type { Authenticator } from './auth/authenticate';
import { contractRouter } from './contract/contract.routes';
import type { CheckPool } from './ingest/check/check-pool';
import { type AccessLogLevel, createEventsHandler, isEventsPost } from './ingest/events.http';
import type { Ingest } from './ingest/ingest';
import type { RateLimiter } from './ratelimit/token-bucket';

export interface GatewayDeps {
  logger: Logger;
  metrics: Metrics;
  authenticate: Authenticator;
  ingest: Ingest;
  rateLimiter: RateLimiter;
  readiness?: Record<string, ReadinessCheck>;
  maxBatchEvents?: number;
  maxBatchBytes?: number;
  /** Serve /asyncapi and /docs without a token (they hold no data, only the contract). */
  publicContract?: boolean;
  /** Level of the access log line of `POST /events` (default `info`); see GATEWAY_ACCESS_LOG_LEVEL. */
  accessLogLevel?: AccessLogLevel;
  /** Threads that check large batch bodies; without, every body is checked in the request thread. */
  checkPool?: CheckPool;
}

/**
 * The gateway's HTTP front end, without listening (src/service.ts listens; a test may mount it):
 * `POST /events` on node:http (ingest/events.http.ts, the hot path: express costs more per request
 * than the ingest of a single event), every other route through express, whose base app gives them
 * health, metrics, trace context and problem+json.
 */
export function createServer(deps: GatewayDeps): RequestListener {
  const app = createBaseApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness ?? {} });
  // Anyone the hub knows may read the contract: a system token or a case-worker token.
  const guard: RequestHandler = deps.publicContract
    ? (_req, _res, next) => next()
    : async (req, _res, next) => {
        try {
          await deps.authenticate(req.header('authorization'));
        } catch (error) {
          // A verified case-worker token is refused for publishing (403) but may read the contract.
          if (!(error instanceof AppError && error.code === 'forbidden')) throw error;
        }
        next();
      };
  app.use(contractRouter(guard));
  const rest = finishApp(app, deps.logger);
  const events = createEventsHandler({
    authenticate: deps.authenticate,
    ingest: deps.ingest,
    rateLimiter: deps.rateLimiter,
    maxBatchEvents: deps.maxBatchEvents ?? 1_000,
    maxBatchBytes: deps.maxBatchBytes ?? 16 * 1024 * 1024,
    // Room for a 64 KB event plus whitespace; the event's own size is checked after the contract.
    maxSingleBytes: 256 * 1024,
    ...(deps.checkPool ? { checkPool: deps.checkPool } : {}),
    logger: deps.logger,
    metrics: deps.metrics,
    ...(deps.accessLogLevel ? { accessLogLevel: deps.accessLogLevel } : {}),
  });
  return (req, res) => {
    if (isEventsPost(req)) events(req, res);
    else rest(req, res);
  };
}

export {
  SystemDirectory,
  type SystemRecord,
  startDirectoryConsumer,
  systemsTopicName,
} from '@ketenhub/directory';
export { createAuthenticator } from './auth/authenticate';
export { CaseBook } from './cases/case-book';
export { type GatewayEnv, gatewayEnv } from './env';
export { Acceptor } from './ingest/accept/acceptor';
export { createIngest } from './ingest/ingest';
export { gatewayMigrations, gatewaySchema } from './migrations';
export { RateLimiter } from './ratelimit/token-bucket';
