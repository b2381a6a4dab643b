/**
 * The CLI's failures, as values its one error edge (program.ts) turns into a message and an exit
 * code: 2 when the command line itself is wrong, 1 when the work could not be done. Scripts rely on
 * the difference: a 2 will fail again the same way, a 1 may pass on a retry.
 */

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line asks for something that cannot be done as asked (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command was right but the work failed or was refused (exit 1). */
export class FailedError extends Error {
  override readonly name = 'FailedError';
  constructor(
    message: string,
    /** Extra facts for `--json` output (what was refused, what answered). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** One broken rule of a problem+json answer (`errors[]`, see docs/errors.md). */
export interface ProblemViolation {
  field: string;
  rule: string;
  message?: string;
}

/** An RFC 9457 answer of a hub service, as far as the CLI reads it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemViolation[];
}

/** A service answered with an error status (exit 1). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly problem: Problem | null,
    readonly text: string,
  ) {
    super(
      `${service}: ${method} ${path} answered ${status}${problem?.title ? ` ${problem.title}` : ''}${
        problem?.detail ? `: ${problem.detail}` : text && !problem ? `: ${text.slice(0, 200)}` : ''
      }`,
    );
  }

  /** The message plus one line per violation, `field: rule (message)`. */
  lines(): string[] {
    return [
      this.message,
      ...(this.problem?.errors ?? []).map(
        (v) => `  ${v.field}: ${v.rule}${v.message ? ` (${v.message})` : ''}`,
      ),
    ];
  }
}
