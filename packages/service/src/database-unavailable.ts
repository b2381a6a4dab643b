/** Node's socket errors when the database server cannot be reached or went away. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is not serving: class 08 (connection exception), 57P01-57P03
 * (terminated by an administrator, a crash shutdown, cannot connect now: starting or in recovery),
 * 53300 (too many connections).
 */
const serverCodes = /^(08...|57P0[123]|53300)$/;

/** node-postgres and pg-pool say these in words, without a code. */
const poolMessages =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i;

/**
 * True when `error` means PostgreSQL is unreachable (down, restarting, cut off), as opposed to a
 * bug. Every service answers those 503 + Retry-After (problemMiddleware), like an unconfirmed Kafka write: nothing was
 * accepted and the client sends the same event again. Before, a database outage answered 500,
 * which a client reads as "do not repeat" (found by the fault suite, docs/faults.md).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === 'string' && (socketCodes.has(code) || serverCodes.test(code))) return true;
    if (typeof message === 'string' && poolMessages.test(message)) return true;
    // Node's AggregateError of a connect to several addresses (localhost: ::1 and 127.0.0.1).
    if (Array.isArray(errors) && errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
