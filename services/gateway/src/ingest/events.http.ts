import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AppError,
  childTrace,
  formatTraceparent,
  type Logger,
  type Metrics,
  parseTraceparent,
  toProblem,
} from '@ketenhub/service';
import { answerEvents, type EventsRouteOptions } from './events.routes';
import { headerOf } from './receive/body';

/** pino levels the access log of the fast path may use. */
export type AccessLogLevel = 'silent' | 'trace' | 'debug' | 'info';

export interface EventsHttpOptions extends EventsRouteOptions {
  logger: Logger;
  metrics: Metrics;
  /** Level of the one line per request (default `info`, as every other route). */
  accessLogLevel?: AccessLogLevel;
}

/** True for the requests the fast path takes: `POST /events`, with or without a query string. */
export function isEventsPost(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  return url === '/events' || url.startsWith('/events?');
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * `POST /events` on node:http, without express: the hot path. Express costs more per request than
 * the whole ingest of a single event (measured on this machine: a no-op express 5 handler tops out
 * near 5,500 requests/s, the same handler on node:http above 24,000). Everything the base app does
 * for a request is done here the same way: W3C trace context (`traceparent` in and out), the request
 * duration histogram, the access log line, and problem+json (RFC 9457) for every refusal, with
 * `Retry-After` and a hidden, logged 500 for bugs. The checks and answers are {@link answerEvents},
 * shared with the express route.
 */
export function createEventsHandler(options: EventsHttpOptions) {
  const { logger, metrics } = options;
  const accessLevel = options.accessLogLevel ?? 'info';
  const log = accessLevel === 'silent' ? undefined : logger[accessLevel].bind(logger);

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const trace = childTrace(parseTraceparent(headerOf(req, 'traceparent')));
    const traceparent = formatTraceparent(trace);
    res.setHeader('traceparent', traceparent);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      metrics.httpDuration.observe({ method: 'POST', route: '/events', status: String(status) }, seconds);
      if (log && logger.isLevelEnabled(accessLevel)) {
        log(
          {
            method: 'POST',
            route: '/events',
            status,
            ms: Math.round(seconds * 1000),
            trace_id: trace.traceId,
          },
          'request',
        );
      }
    });
    const instance = req.url ?? '/events';
    answerEvents(options, req, traceparent, instance).then(
      (answer) => send(res, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.body)),
      (error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        let appError: AppError;
        if (error instanceof AppError) {
          appError = error;
        } else {
          logger.error({ err: error, method: 'POST', path: '/events' }, 'unhandled error');
          appError = new AppError('internal', 'the server could not handle this request; it has been logged');
        }
        const retryAfterS = appError.extra.retryAfterS;
        if (retryAfterS !== undefined)
          res.setHeader('retry-after', String(Math.max(1, Math.ceil(retryAfterS))));
        // A body refused before it was read completely (413) is not read further: close afterwards.
        if (appError.code === 'payload-too-large' && !req.complete) res.setHeader('connection', 'close');
        send(
          res,
          appError.status,
          'application/problem+json; charset=utf-8',
          JSON.stringify(toProblem(appError, instance)),
        );
      },
    );
  };
}
