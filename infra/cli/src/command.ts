import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import type { Context } from './context';
import { UsageError } from './errors';
import type { Output } from './output';

/**
 * What a command's action gets: the context (env parsed once, clients on first use), its output
 * (`--json` or a person), its options, and its positional arguments as commander passed them.
 */
export type Action = (
  ctx: Context,
  out: Output,
  opts: Record<string, unknown>,
  args: readonly unknown[],
) => Promise<void>;

/** Registers a feature's commands; `run` wraps an action with the CLI's one error edge. */
export interface Registrar {
  /** A leaf command: gets `--json` and, when it changes state, `--execute`. */
  leaf(parent: Command, spec: string, description: string, options?: { changes?: boolean }): Command;
  run(command: Command, action: Action): Command;
}

export const dryRunNote =
  'Without --execute this is a dry run: it prints what would happen and changes nothing.';

/** An ISO 8601 datetime with a zone (`2026-12-03T08:00:00Z`, `2026-12-03T09:00:00+01:00`). */
export function parseDatetime(flag: string) {
  return (value: string): string => {
    const r = z.iso.datetime({ offset: true }).safeParse(value);
    if (!r.success) {
      throw new InvalidArgumentError(`${flag}: an ISO 8601 datetime with a zone, e.g. 2026-12-03T08:00:00Z`);
    }
    return value;
  };
}

/** For variadic `--case <uuid...>`: each value a uuid, collected in order. */
export function collectUuid(value: string, previous: string[] | undefined): string[] {
  if (!z.uuid().safeParse(value).success) throw new InvalidArgumentError(`"${value}" is not a uuid`);
  return [...(previous ?? []), value];
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new InvalidArgumentError(`${flag}: a whole number ≥ 1`);
    return Number(value);
  };
}

/** A subscription id is a uuid; anything else is a typo worth saying before calling anyone. */
export function subscriptionArg(value: unknown): string {
  const r = z.uuid().safeParse(value);
  if (!r.success) throw new UsageError(`subscription: "${String(value)}" is not a subscription id (a uuid)`);
  return r.data;
}
