import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AppError,
  childTrace,
  errorStatus,
  formatTraceparent,
  type Logger,
  type Metrics,
  parseTraceparent,
  toProblem,
} from '@ketenhub/service';
import type { Authenticator } from '../auth/authenticate';
import type { RateLimiter } from '../ratelimit/token-bucket';
import { type CheckPool, checkBatch } from './check/check-pool';
import { type Checked, checkEvents } from './check/checks';
import type { EventOutcome, Ingest } from './ingest';
import { appErrorOf, problemOf, type Refused } from './outcome';
import { contentKind, headerOf, readLimited, singleEvent } from './receive/body';

/** pino levels the access log of `POST /events` may use. */
export type AccessLogLevel = 'silent' | 'trace' | 'debug' | 'info';

export interface EventsHttpOptions {
  authenticate: Authenticator;
  ingest: Ingest;
  rateLimiter: RateLimiter;
  maxBatchEvents: number;
  maxBatchBytes: number;
  /** Body limit of a single event request; the event itself is limited to 64 KB (413 per event). */
  maxSingleBytes: number;
  /** Threads that check large batch bodies; none: every body is checked in the request thread. */
  checkPool?: CheckPool;
  logger: Logger;
  metrics: Metrics;
  /** Level of the one line per request (default `info`, as every other route). */
  accessLogLevel?: AccessLogLevel;
}

/** True for the requests this module answers: `POST /events`, with or without a query string. */
export function isEventsPost(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  return url === '/events' || url.startsWith('/events?');
}

/**
 * What `POST /events` answers: the events' outcomes, or the request refused as a whole (`extra`:
 * members the problem carries besides the refusal's, a batch's results on a 503).
 */
type EventsAnswer =
  | { ok: true; status: 202 | 207; body: unknown }
  | (Refused & { extra?: Record<string, unknown> });

const batchProblemOf = (outcome: Extract<EventOutcome, { ok: false }>, instance: string) => ({
  ...problemOf(outcome.refusal, instance),
  ...(outcome.refusal.retryAfterS ? { retryAfter: outcome.refusal.retryAfterS } : {}),
});

/**
 * The steps of `POST /events`. Order of the checks: 401 first (an anonymous caller learns nothing
 * else); then the content type (415) and the body size, which decide how the body is read at all;
 * then per event source (403), type (403), contract (422), size (413); then the rate limit (429);
 * then per event its chain case and the access rule (409, 422, 403: ingest.ts); then idempotency
 * (409) and durability (503). Every step returns its refusals as values; only authentication
 * (an {@link AppError} from auth/) and bugs throw.
 */
async function answerEvents(
  options: EventsHttpOptions,
  req: IncomingMessage,
  traceparent: string,
  instance: string,
): Promise<EventsAnswer> {
  const system = await options.authenticate(headerOf(req, 'authorization'));
  const kind = contentKind(headerOf(req, 'content-type'));
  if (typeof kind !== 'string') return kind;
  const body = await readLimited(req, kind === 'single' ? options.maxSingleBytes : options.maxBatchBytes);
  if (!Buffer.isBuffer(body)) return body;
  let checked: Checked[] | Refused;
  if (kind === 'single') {
    const events = singleEvent(body);
    checked = Array.isArray(events) ? checkEvents(system, events) : events;
  } else {
    checked = options.checkPool
      ? await options.checkPool.check(system, body, options.maxBatchEvents)
      : checkBatch(system, body, options.maxBatchEvents);
  }
  if (!Array.isArray(checked)) return checked;
  // After the checks: a batch's length is known once it is parsed, which for large bodies happens
  // in a check thread. The answer is the same 429; a system over its limit costs that thread the
  // checks of the refused request.
  const wait = options.rateLimiter.take(system.id, checked.length);
  if (wait > 0) {
    return {
      ok: false,
      refusal: {
        code: 'rate-limited',
        detail: 'this system sends more events than its rate limit allows; slow down',
        retryAfterS: wait,
      },
    };
  }

  const outcomes = await options.ingest(system, checked, traceparent);

  if (kind === 'single') {
    const outcome = outcomes[0]!;
    if (!outcome.ok) return outcome;
    return { ok: true, status: 202, body: { id: outcome.id, source: outcome.source, status: 'accepted' } };
  }

  const results = outcomes.map((o, index) =>
    o.ok
      ? { index, id: o.id, status: 202 }
      : { index, id: o.id, status: errorStatus[o.refusal.code], problem: batchProblemOf(o, instance) },
  );
  const accepted = outcomes.filter((o) => o.ok).length;
  const unavailable = outcomes.find((o) => !o.ok && o.refusal.code === 'unavailable');
  if (unavailable && !unavailable.ok) {
    // Kafka trouble: the whole batch is retryable with the same ids (accepted ones answer as before).
    return {
      ok: false,
      refusal: {
        code: 'unavailable',
        detail: 'Kafka did not confirm every event; resend the batch with the same ids',
        ...(unavailable.refusal.retryAfterS === undefined
          ? {}
          : { retryAfterS: unavailable.refusal.retryAfterS }),
      },
      extra: { accepted, rejected: outcomes.length - accepted, results },
    };
  }
  return {
    ok: true,
    status: accepted === outcomes.length ? 202 : 207,
    body: { accepted, rejected: outcomes.length - accepted, results },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * `POST /events` on node:http, without express: the hot path and the route's only HTTP front end.
 * Express costs more per request than the whole ingest of a single event (measured on this
 * machine: a no-op express 5 handler tops out near 5,500 requests/s, the same handler on node:http
 * above 24,000). Everything the base app does for a request is done here the same way: W3C trace
 * context (`traceparent` in and out), the request duration histogram, the access log line, and
 * problem+json (RFC 9457) for every refusal, with `Retry-After` and a hidden, logged 500 for bugs.
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
    const sendProblem = (appError: AppError) => {
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
    };
    answerEvents(options, req, traceparent, instance).then(
      (answer) => {
        if (answer.ok) {
          send(res, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.body));
          return;
        }
        sendProblem(appErrorOf(answer.refusal, answer.extra));
      },
      (error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof AppError) {
          sendProblem(error);
          return;
        }
        logger.error({ err: error, method: 'POST', path: '/events' }, 'unhandled error');
        sendProblem(new AppError('internal', 'the server could not handle this request; it has been logged'));
      },
    );
  };
}
