import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { brokenTextViolation } from '@ketenhub/events';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import './request-trace';
import { AppError, notFoundHandler, problemMiddleware } from './errors';
import type { Metrics } from './metrics';
import { childTrace, formatTraceparent, parseTraceparent } from './trace';

/** A named dependency the readiness probe checks (Kafka consumer joined, database reachable). */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface BaseAppOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * The express app every service starts from: trace context, access log, request metrics,
 * `/health/live`, `/health/ready` and `/metrics`. The service mounts its routes, then calls
 * {@link finishApp} to add the 404 and problem+json handlers.
 */
export function createBaseApp(options: BaseAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    req.trace = childTrace(parseTraceparent(req.header('traceparent')));
    res.setHeader('traceparent', formatTraceparent(req.trace));
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req);
      options.metrics.httpDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        seconds,
      );
      if (route.startsWith('/health') || route === '/metrics') return;
      // Paths are logged as routes (`/cases/:id`), never raw: raw URLs could carry identifiers.
      options.logger.info(
        {
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          trace_id: req.trace.traceId,
        },
        'request',
      );
    });
    next();
  });
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const results: Record<string, boolean> = {};
    for (const [name, check] of Object.entries(options.readiness)) {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }
    const ok = Object.values(results).every(Boolean);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not-ready', checks: results });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  return app;
}

function routeLabel(req: Request): string {
  const route = (req.route as { path?: string } | undefined)?.path;
  return route ? `${req.baseUrl}${route}` : req.route ? req.baseUrl : '(unmatched)';
}

/**
 * Every service's JSON body parser: express.json with the route's size limit, then a check that the
 * body is text. U+0000 and unpaired surrogates pass JSON and most schemas, and then fail in
 * PostgreSQL: a 500, or a 503 that asks the sender to repeat what can never be stored. Refused here,
 * once, as 400 with rule `unicode` naming the field.
 */
export function jsonBody(options: {
  limit: string;
  type?: string | ((req: Request) => boolean);
}): RequestHandler[] {
  const check: RequestHandler = (req, _res, next) => {
    const broken = brokenTextViolation(req.body);
    if (broken)
      next(
        new AppError('invalid-request', 'the body holds text no database can keep', { violations: [broken] }),
      );
    else next();
  };
  return [express.json(options as Parameters<typeof express.json>[0]), check];
}

/** Adds the 404 and error handlers; call after mounting every route. */
export function finishApp(app: Express, logger: Logger): Express {
  app.use(notFoundHandler);
  app.use(problemMiddleware(logger));
  return app;
}

/**
 * Listens and resolves with the bound port (0 picks a free one, for tests). Takes any request
 * listener: an express app, or a plain handler in front of one for a hot path.
 */
export function listen(
  listener: RequestListener,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createHttpServer(listener);
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
    server.listen(port, host);
  });
}

/** Stops accepting connections and ends idle keep-alive ones; open SSE streams are cut. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}
