import { AppError, type ErrorCode, type ProblemDetails, toProblem, type Violation } from '@ketenhub/service';

/**
 * Why the gateway does not take an event, or a whole request. Plain data rather than an
 * {@link AppError} (STYLE.md #9): the steps return it instead of throwing, it crosses to and from
 * check threads as it is (structured clone keeps no Error class), and it costs no stack trace per
 * refused event. Only the edges turn it into a problem (RFC 9457): events.http.ts for
 * `POST /events`, the ingress for its rejects topic.
 */
export interface Refusal {
  /** The problem type, and through it the HTTP status (`errorStatus` of @ketenhub/service). */
  code: ErrorCode;
  detail: string;
  /** The broken rules, with the field and rule names docs/errors.md lists. */
  violations?: Violation[];
  /** With `unavailable` and `rate-limited`: when to send again. */
  retryAfterS?: number;
}

/** A step's answer when it does not take what it was given. */
export interface Refused {
  ok: false;
  refusal: Refusal;
}

export const refused = (code: ErrorCode, detail: string, violations?: Violation[]): Refused => ({
  ok: false,
  refusal: violations ? { code, detail, violations } : { code, detail },
});

/** One broken rule, with the message prefixed by its field, as every violation of the hub reads. */
export const violation = (field: string, rule: string, message: string): Violation => ({
  field,
  rule,
  message: `${field}: ${message}`,
});

/**
 * The refusal as the hub's error type, for the edges. `extra` adds members to the problem (a
 * batch's per-event results on a 503).
 */
export function appErrorOf(refusal: Refusal, extra: Record<string, unknown> = {}): AppError {
  const { code, detail, violations, retryAfterS } = refusal;
  return new AppError(code, detail, {
    ...extra,
    ...(violations ? { violations } : {}),
    ...(retryAfterS === undefined ? {} : { retryAfterS }),
  });
}

/** The problem body of a refusal (`instance`: the request's path, where there is one). */
export const problemOf = (refusal: Refusal, instance?: string): ProblemDetails =>
  toProblem(appErrorOf(refusal), instance);
