import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from './database-unavailable';

/** One broken rule: which field, which rule, in words a person can act on. */
export interface Violation {
  /** Dotted path into the request, e.g. `source` or `data.toewijzing.productcategorie`. */
  field: string;
  /** Short rule name, e.g. `format`, `required`, `max-size`. */
  rule: string;
  message: string;
}

/** Error codes the hub answers with, and their HTTP status. */
export const errorStatus = {
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'invalid-request': 400,
  'invalid-event': 422,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof errorStatus;

const titles: Record<ErrorCode, string> = {
  unauthenticated: 'Not authenticated',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  'invalid-request': 'Invalid request',
  'invalid-event': 'Invalid event',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

/** Base URI of the problem types; documented in docs/errors.md. */
export const problemTypeBase = 'https://ketenhub.nl/problems/';

/**
 * The hub's one error type. Thrown in request handlers (or returned by domain code and then
 * thrown at the edge) and rendered as RFC 9457 problem+json by {@link problemMiddleware}.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { violations?: Violation[]; retryAfterS?: number; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.status = errorStatus[code];
  }
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Violation[];
  [key: string]: unknown;
}

export function toProblem(error: AppError, instance?: string): ProblemDetails {
  const { violations, retryAfterS: _retry, ...rest } = error.extra;
  return {
    type: `${problemTypeBase}${error.code}`,
    title: titles[error.code],
    status: error.status,
    detail: error.detail,
    ...(instance ? { instance } : {}),
    ...(violations && violations.length > 0 ? { errors: violations } : {}),
    ...rest,
  };
}

export function sendProblem(
  res: Parameters<RequestHandler>[1],
  problem: ProblemDetails,
  retryAfterS?: number,
) {
  if (retryAfterS !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterS))));
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** 404 for routes nobody handles. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not-found', `no route for ${req.method} ${req.path}`));
};

/**
 * Any error as the AppError it is answered with: expected errors (AppError) pass through with their
 * details; body-parser errors become 400/413/415; an unreachable database 503 with Retry-After;
 * anything else is a bug: logged once here, answered 500 without internals. The one classification
 * for every error renderer (problemMiddleware, the registry's ZGW façade).
 */
export function toAppError(error: unknown, logger: Logger, req: { method: string; path: string }): AppError {
  if (error instanceof AppError) return error;
  if (isBodyParserError(error)) return bodyParserToAppError(error);
  if (isDatabaseUnavailable(error)) {
    // PostgreSQL is down or restarting: nothing was done, the caller may try again (not a bug).
    logger.warn({ err: error, method: req.method, path: req.path }, 'database unavailable');
    return new AppError('unavailable', 'the database cannot be reached now; try again', { retryAfterS: 5 });
  }
  logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
  return new AppError('internal', 'the server could not handle this request; it has been logged');
}

/** Renders every error as problem+json ({@link toAppError} decides which). */
export function problemMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error, logger, req);
    sendProblem(res, toProblem(appError, req.originalUrl), appError.extra.retryAfterS);
  };
}

interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}

function bodyParserToAppError(error: BodyParserError): AppError {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload-too-large', `the body is larger than ${error.limit ?? 'allowed'} bytes`, {
        violations: [{ field: '(body)', rule: 'max-size', message: `(body): at most ${error.limit} bytes` }],
      });
    case 'entity.parse.failed':
      return new AppError('invalid-request', 'the body is not valid JSON', {
        violations: [{ field: '(body)', rule: 'json', message: '(body): must be valid JSON' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported-media-type', error.message);
    default:
      return new AppError('invalid-request', error.message);
  }
}
