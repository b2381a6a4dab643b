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

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before attempt `attempts + 1`: exponential from `baseMs`, capped at `maxMs`, with half of
 * it random so many deliveries failing together do not return together. A receiver's Retry-After
 * wins when it asks for longer, still capped (a receiver cannot park its queue for a week).
 */
export function retryDelayMs(
  attempts: number,
  retryAfterMs: number | null,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential / 2 + (exponential / 2) * random();
  return Math.round(Math.min(policy.maxMs, Math.max(jittered, retryAfterMs ?? 0)));
}
