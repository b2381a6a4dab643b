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

/** What a rule check writes its issues to: zod's parse payload (a superRefine context is one too). */
export type RuleCtx = Pick<z.core.ParsePayload, 'issues' | 'value'>;

/**
 * A refinement as a zod check: `.check(rules((value, ctx) => ...))` does what `.superRefine` did,
 * without the context and `addIssue` closure superRefine allocates for every value. Refinements run
 * for every event at every edge, and those allocations showed up in the consumers' profiles.
 */
export function rules<T>(fn: (value: T, ctx: RuleCtx) => void): (payload: z.core.ParsePayload<T>) => void {
  return (payload) => fn(payload.value, payload);
}

/**
 * Adds a `custom` issue with a rule name. `continue` as superRefine sets it: the schema's other
 * checks still run, so every broken rule is reported at once.
 */
export function addRuleIssue(
  ctx: RuleCtx,
  path: readonly PropertyKey[],
  rule: string,
  message: string,
): void {
  ctx.issues.push({
    code: 'custom',
    path: [...path],
    message,
    input: ctx.value,
    params: { rule } satisfies RuleParams,
    continue: true,
  });
}

/** {@link addRuleIssue} at the schema's own path. */
export function pushRuleIssue(ctx: RuleCtx, rule: string, message: string): void {
  addRuleIssue(ctx, [], rule, message);
}

/** Rule name for a regex failure created through {@link pattern}, or undefined. */
export function ruleForPattern(source: string | undefined): string | undefined {
  return source === undefined ? undefined : patternRules.get(source);
}
