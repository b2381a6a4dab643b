import { z } from 'zod';

/**
 * Named validation rules.
 *
 * zod reports a failed `.regex()` as `invalid_format`/`regex`, which tells an integrator nothing. Every
 * contract rule is therefore built through {@link pattern} or {@link refineRule}, which record a stable rule
 * name (`oin`, `bsn-11-proef`, ...) that {@link validateEvent} reports next to the field path.
 */
const patternRules = new Map<string, string>();

/** Rule name of a custom (refinement) issue is carried in `params.rule`. */
export interface RuleParams {
  rule: string;
}

/** A string schema that must match `re`; failures are reported as `rule` with `message`. */
export function pattern(re: RegExp, rule: string, message: string): z.ZodString {
  patternRules.set(String(re), rule);
  return z.string({ error: 'must be a string' }).regex(re, { error: message });
}

/** Adds a named refinement: `test` false reports `rule` with `message` at the schema's own path. */
export function refineRule<T extends z.ZodType>(
  schema: T,
  rule: string,
  message: string,
  test: (value: z.output<T>) => boolean,
): T {
  return schema.refine(test, { error: message, params: { rule } satisfies RuleParams }) as T;
}

/**
 * Adds a `custom` issue with a rule name from inside a `.check()`: for refinements on every event's
 * hot path, where `superRefine` allocated a context with an `addIssue` closure per value.
 */
export function pushRuleIssue(payload: z.core.ParsePayload, rule: string, message: string): void {
  payload.issues.push({
    code: 'custom',
    path: [],
    message,
    input: payload.value,
    params: { rule } satisfies RuleParams,
  });
}

/** Adds a `custom` issue with a rule name from inside a `superRefine`. */
export function addRuleIssue(
  ctx: z.RefinementCtx,
  path: readonly PropertyKey[],
  rule: string,
  message: string,
): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, params: { rule } satisfies RuleParams });
}

/** Rule name for a regex failure created through {@link pattern}, or undefined. */
export function ruleForPattern(source: string | undefined): string | undefined {
  return source === undefined ? undefined : patternRules.get(source);
}
