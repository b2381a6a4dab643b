/**
 * Pure rules of the sender: what an answer means and how long to wait before the next attempt.
 * Expected failures are values (STYLE.md #9); the sender stores them with outbox.settle.
 */

export type AttemptResult =
  | { kind: 'answered'; status: number; retryAfter: string | null; bodyPrefix: string }
  | { kind: 'unreachable'; reason: string };

export type Verdict =
  | { kind: 'delivered'; status: number }
  /** Try again later; `receiverWide` holds the whole subscription back, not just this delivery. */
  | {
      kind: 'retry';
      status: number | null;
      reason: string;
      retryAfterMs: number | null;
      receiverWide: boolean;
    }
  | { kind: 'gone'; status: number; reason: string }
  | { kind: 'failed'; status: number | null; reason: string };

/** Statuses that say "the receiver as a whole cannot take deliveries now". */
const receiverWide = new Set([429, 502, 503, 504]);

/**
 * 2xx delivered (CloudEvents-NL: 200/201/204 processed, 202 accepted). 410 Gone stops the
 * subscription. 429 and 503 with Retry-After, 408/425 and every 5xx are retried. 3xx is a failure:
 * redirects are not followed (a redirect could send signed personal data somewhere the operator
 * never registered). Every other 4xx is a refusal that repeating will not change: parked as failed.
 */
export function judge(result: AttemptResult, nowMs: number): Verdict {
  if (result.kind === 'unreachable') {
    return { kind: 'retry', status: null, reason: result.reason, retryAfterMs: null, receiverWide: true };
  }
  const { status } = result;
  const detail = result.bodyPrefix ? `: ${result.bodyPrefix}` : '';
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status, reason: 'HTTP 410: the receiver asked to stop sending' };
  if (status >= 500 || status === 429 || status === 408 || status === 425) {
    return {
      kind: 'retry',
      status,
      reason: `HTTP ${status}${detail}`,
      retryAfterMs: parseRetryAfter(result.retryAfter, nowMs),
      receiverWide: receiverWide.has(status),
    };
  }
  if (status >= 300 && status < 400) {
    return {
      kind: 'failed',
      status,
      reason: `HTTP ${status}: redirects are not followed; register the final URL`,
    };
  }
  return { kind: 'failed', status, reason: `HTTP ${status}${detail}` };
}

/** `Retry-After` as delay seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * When to try again: `schedule[i]` is the delay before attempt i+1 (the first, 0, is the delivery
 * itself). After the last attempt of the schedule fails, the delivery is parked.
 */
export interface RetryPolicy {
  schedule: readonly number[];
  /** The longest a receiver's Retry-After may hold its queue (a receiver cannot park it for a week). */
  retryAfterMaxMs: number;
}

/**
 * Standard Webhooks' example schedule (spec 1.0.0, "Deliverability and reliability"): immediately,
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; the last attempt is 75 h 35 min after the
 * first, so a receiver down over a long weekend still gets everything.
 */
export const standardRetrySchedule = '0,5s,5m,30m,2h,5h,10h,14h,20h,24h';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"0,5s,5m,2h"` as milliseconds; undefined when a step is not `<integer><ms|s|m|h|d>` (or 0). */
export function parseSchedule(value: string): number[] | undefined {
  const steps = value.split(',').map((s) => s.trim());
  const out: number[] = [];
  for (const step of steps) {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(step);
    if (!m || (m[2] === undefined && m[1] !== '0')) return undefined;
    out.push(Number(m[1]) * (m[2] ? (units[m[2]] as number) : 0));
  }
  return out.length > 0 ? out : undefined;
}

/** Time from the first attempt to the last of a schedule. */
export const scheduleSpanMs = (schedule: readonly number[]) => schedule.slice(1).reduce((a, b) => a + b, 0);

/**
 * Delay before the next attempt after `attempts` attempts failed, or null: the schedule is done,
 * park the delivery. Up to a tenth is added at random, never taken off, so deliveries failing
 * together do not all return together and no retry comes earlier than the schedule says. A
 * receiver's Retry-After wins when it asks for longer, up to `retryAfterMaxMs`.
 */
export function retryDelayMs(
  attempts: number,
  retryAfterMs: number | null,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | null {
  const step = policy.schedule[attempts];
  if (step === undefined) return null;
  const jittered = step + (step / 10) * random();
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.retryAfterMaxMs)));
}
