import type { IncomingMessage } from 'node:http';
import { AppError, formatTraceparent, toProblem } from '@ketenhub/service';
import { Router } from 'express';
import type { Authenticator } from '../auth/authenticate';
import type { RateLimiter } from '../ratelimit/token-bucket';
import { type CheckPool, checkBatch } from './check/check-pool';
import { type Checked, checkEvents } from './check/checks';
import type { EventOutcome, Ingest } from './ingest';
import { contentKind, headerOf, readLimited, singleEvent } from './receive/body';

export interface EventsRouteOptions {
  authenticate: Authenticator;
  ingest: Ingest;
  rateLimiter: RateLimiter;
  maxBatchEvents: number;
  maxBatchBytes: number;
  /** Body limit of a single event request; the event itself is limited to 64 KB (413 per event). */
  maxSingleBytes: number;
  /** Threads that check large batch bodies; none: every body is checked in the request thread. */
  checkPool?: CheckPool;
}

const problemOf = (outcome: Extract<EventOutcome, { ok: false }>, instance: string) => ({
  ...toProblem(outcome.error, instance),
  ...(outcome.error.extra.retryAfterS ? { retryAfter: outcome.error.extra.retryAfterS } : {}),
});

/** What `POST /events` answers when it does not throw an {@link AppError}. */
export interface EventsAnswer {
  status: 202 | 207;
  body: unknown;
}

/**
 * `POST /events`. Order of the checks: 401 first (an anonymous caller learns nothing else); then the
 * content type (415) and the body size, which decide how the body is read at all; then per event
 * source (403), type (403), contract (422), size (413); then the rate limit (429); then per event its
 * chain case and the access rule (409, 422, 403: ingest.ts); then idempotency (409) and durability
 * (503). Refusals of the whole request are thrown as {@link AppError}; the express route and the
 * node:http fast path (events.http.ts) render both alike.
 */
export async function answerEvents(
  options: EventsRouteOptions,
  req: IncomingMessage,
  traceparent: string,
  instance: string,
): Promise<EventsAnswer> {
  const system = await options.authenticate(headerOf(req, 'authorization'));
  const kind = contentKind(headerOf(req, 'content-type'));
  let checked: Checked[];
  if (kind === 'single') {
    checked = checkEvents(system, singleEvent(await readLimited(req, options.maxSingleBytes)));
  } else {
    const body = await readLimited(req, options.maxBatchBytes);
    checked = options.checkPool
      ? await options.checkPool.check(system, body, options.maxBatchEvents)
      : checkBatch(system, body, options.maxBatchEvents);
  }
  // After the checks: a batch's length is known once it is parsed, which for large bodies happens
  // in a check thread. The answer is the same 429; a system over its limit costs that thread the
  // checks of the refused request.
  const wait = options.rateLimiter.take(system.id, checked.length);
  if (wait > 0) {
    throw new AppError(
      'rate-limited',
      'this system sends more events than its rate limit allows; slow down',
      {
        retryAfterS: wait,
      },
    );
  }

  const outcomes = await options.ingest(system, checked, traceparent);

  if (kind === 'single') {
    const outcome = outcomes[0]!;
    if (outcome.ok)
      return { status: 202, body: { id: outcome.id, source: outcome.source, status: 'accepted' } };
    throw outcome.error;
  }

  const results = outcomes.map((o, index) =>
    o.ok
      ? { index, id: o.id, status: 202 }
      : { index, id: o.id, status: o.error.status, problem: problemOf(o, instance) },
  );
  const accepted = outcomes.filter((o) => o.ok).length;
  const unavailable = outcomes.find((o) => !o.ok && o.error.code === 'unavailable');
  if (unavailable && !unavailable.ok) {
    // Kafka trouble: the whole batch is retryable with the same ids (accepted ones answer as before).
    throw new AppError(
      'unavailable',
      'Kafka did not confirm every event; resend the batch with the same ids',
      {
        retryAfterS: unavailable.error.extra.retryAfterS,
        accepted,
        rejected: outcomes.length - accepted,
        results,
      },
    );
  }
  return {
    status: accepted === outcomes.length ? 202 : 207,
    body: { accepted, rejected: outcomes.length - accepted, results },
  };
}

/** `POST /events` as an express route, for wherever the app is mounted without the fast path. */
export function eventsRouter(options: EventsRouteOptions): Router {
  const router = Router();
  router.post('/events', async (req, res) => {
    const answer = await answerEvents(options, req, formatTraceparent(req.trace), req.originalUrl);
    res.status(answer.status).json(answer.body);
  });
  return router;
}
