import type { z } from 'zod';
import { catalog, type EventType, isEventType, type KetenEvent } from './catalog';
import { type Envelope, envelopeSchema, MAX_EVENT_BYTES, serializedSize } from './envelope';
import { ruleForPattern } from './rules';
import { brokenTextViolation } from './text';

/** One broken rule: `field` is a dotted path (`source`, `data.toewijzing.productcategorie`). */
export interface Violation {
  field: string;
  /** Stable rule name, e.g. `source`, `oin`, `bsn-11-proef`, `required`, `unknown-type`. */
  rule: string;
  /** `<field>: <what is expected>`, readable by an integrator. */
  message: string;
}

/** Result of validation: a value, never an exception. */
export type ValidationResult<T> = { ok: true; event: T } | { ok: false; violations: Violation[] };

/**
 * Turns zod issues into violations, with `prefix` in front of every path. `input` is the value that was
 * parsed: zod does not report the input, and "missing" must be told apart from "wrong type".
 */
export function toViolations(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
  input?: unknown,
): Violation[] {
  const out: Violation[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (
      (issue.code === 'invalid_type' || issue.code === 'invalid_value') &&
      valueAt(input, issue.path) === undefined
    ) {
      out.push(violation(path, 'required', 'is required'));
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(violation([...path, key], 'unknown-field', 'is not part of the contract for this type'));
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest instead of a bare "invalid input".
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      out.push(...toViolations(best, path, valueAt(input, issue.path)));
      continue;
    }
    const [rule, message] = describe(issue);
    out.push(violation(path, rule, message));
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): [string, string] {
  switch (issue.code) {
    case 'invalid_type':
      return ['type', `must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}`];
    case 'invalid_format':
      if (issue.format === 'regex') return [ruleForPattern(issue.pattern) ?? 'pattern', issue.message];
      return [
        issue.format,
        issue.message.startsWith('Invalid') ? `must be a valid ${issue.format}` : issue.message,
      ];
    case 'invalid_value':
      return ['enum', `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`];
    case 'too_small':
      return [
        'min',
        issue.message.startsWith('Too small') ? `must be at least ${String(issue.minimum)}` : issue.message,
      ];
    case 'too_big':
      return [
        'max',
        issue.message.startsWith('Too big') ? `must be at most ${String(issue.maximum)}` : issue.message,
      ];
    case 'custom': {
      const rule = (issue.params as { rule?: unknown } | undefined)?.rule;
      return [typeof rule === 'string' ? rule : 'custom', issue.message];
    }
    default:
      return [issue.code, issue.message];
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function violation(path: readonly PropertyKey[], rule: string, message: string): Violation {
  const field = path.map(String).join('.');
  return { field, rule, message: `${field || 'event'}: ${message}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ValidateOptions {
  /**
   * Measure the serialized size against MAX_EVENT_BYTES (default true). A caller that serializes
   * the valid event anyway and checks the size of those bytes (the gateway) passes false: measuring
   * here costs a second JSON.stringify per event.
   */
  checkSize?: boolean;
}

/**
 * Checks the envelope only: NL GOV attributes, size and whether the type is known. `data` is not
 * looked at, so a gateway can reject a wrong source or unknown type before parsing the payload.
 */
export function validateEnvelope(
  raw: unknown,
  options: ValidateOptions = {},
): ValidationResult<Envelope & { type: EventType }> {
  if (!isPlainObject(raw)) {
    return {
      ok: false,
      violations: [violation([], 'object', 'must be a JSON object (structured-mode CloudEvent)')],
    };
  }
  const violations: Violation[] = [];
  let size = 0;
  if (options.checkSize !== false) {
    try {
      size = serializedSize(raw);
    } catch {
      return { ok: false, violations: [violation([], 'json', 'must be serializable as JSON')] };
    }
  }
  if (size > MAX_EVENT_BYTES) {
    violations.push(
      violation(
        [],
        'max-size',
        `must be at most ${MAX_EVENT_BYTES} bytes serialized (is ${size}); send large content by dataref`,
      ),
    );
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) violations.push(...toViolations(parsed.error.issues, [], raw));
  const type = raw.type;
  if (typeof type === 'string' && !isEventType(type) && !violations.some((v) => v.field === 'type')) {
    violations.push(
      violation(['type'], 'unknown-type', `unknown event type "${type}"; see the AsyncAPI catalog`),
    );
  }
  if (violations.length > 0 || !parsed.success) return { ok: false, violations };
  return { ok: true, event: parsed.data as Envelope & { type: EventType } };
}

/**
 * Validates a whole event: envelope and the `data` schema of its type. Reports every violation found
 * (envelope and data together) and never throws.
 */
export function validateEvent(raw: unknown, options: ValidateOptions = {}): ValidationResult<KetenEvent> {
  const envelope = validateEnvelope(raw, options);
  const violations = envelope.ok ? [] : [...envelope.violations];
  if (!isPlainObject(raw)) return { ok: false, violations };
  // Every string of the event is text: a NUL or a lone surrogate would pass the schemas (most
  // strings are free text) and then fail in every consumer's database, for ever.
  const broken = brokenTextViolation(raw);
  if (broken) violations.push(broken);
  const type = raw.type;
  if (typeof type === 'string' && isEventType(type) && raw.data !== undefined && raw.data !== null) {
    const data = (catalog[type].data as z.ZodType).safeParse(raw.data);
    if (data.success) {
      if (envelope.ok && violations.length === 0) {
        return { ok: true, event: { ...envelope.event, data: data.data } as KetenEvent };
      }
    } else {
      violations.push(...toViolations(data.error.issues, ['data'], raw.data));
    }
  }
  return { ok: false, violations };
}

/** Validates and narrows to one type; a different (valid) type is a violation on `type`. */
export function validateEventOf<T extends EventType>(
  type: T,
  raw: unknown,
): ValidationResult<Extract<KetenEvent, { type: T }>> {
  const result = validateEvent(raw);
  if (!result.ok) return result;
  if (result.event.type !== type) {
    return { ok: false, violations: [violation(['type'], 'expected-type', `must be "${type}"`)] };
  }
  return { ok: true, event: result.event as Extract<KetenEvent, { type: T }> };
}
