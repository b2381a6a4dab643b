import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log object. Personal data (BSN) and secrets
 * must never reach a log line; redaction is the last line of defence, not the plan: code should
 * not log event data at all.
 */
export const redactPaths = [
  'bsn',
  '*.bsn',
  'data.*',
  '*.data',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
];

export interface LoggerOptions {
  service: string;
  level?: string;
}

/** Structured JSON logs on stdout, one line per event, with the service name on every line. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    name: options.service,
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
