import type { JsonSchema } from './schemas';

/**
 * Compatibility guard: compares the JSON Schemas of the released contract (the snapshot) with the
 * current ones and reports breaking changes. A change is breaking when an event valid before may be
 * invalid now (a type, pattern, bound or enum tightened; a field newly required; a closed object) or
 * when a consumer loses something it may rely on (a field or type removed). A rename is a removal plus
 * an addition. Adding an optional field or an enum value is compatible.
 *
 * The way out is the NL GOV rule: publish the changed event as a new type with a `.v<N>` suffix and keep
 * the old type unchanged for a while. A new type has no snapshot, so it always passes.
 */

/** One breaking change. */
export interface BreakingChange {
  /** Schema file (event type) in which the change was found. */
  schema: string;
  /** Dotted path inside the schema, e.g. `data.toewijzing.productcategorie`. */
  path: string;
  /** `field-removed`, `required-added`, `type-tightened`, `enum-value-removed`, ... */
  rule: string;
  message: string;
}

function types(schema: JsonSchema): string[] | undefined {
  if (schema.type === undefined) return undefined;
  return Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type)];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const lowerBounds = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;
const upperBounds = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;
const combinators = ['oneOf', 'anyOf', 'allOf', 'not', 'propertyNames', 'if', 'then', 'else'] as const;

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Compares two schemas of the same event type; returns the breaking changes (empty: compatible). */
export function compareSchemas(
  before: JsonSchema,
  after: JsonSchema,
  schema = '',
  path = '',
): BreakingChange[] {
  const out: BreakingChange[] = [];
  const at = path || '(root)';
  const add = (rule: string, message: string) =>
    out.push({ schema, path: at, rule, message: `${at}: ${message}` });

  // Types: every type accepted before must still be accepted (integer fits in number).
  const tb = types(before);
  const ta = types(after);
  if (ta && !tb) add('type-tightened', `type restricted to ${ta.join('|')}`);
  if (ta && tb) {
    const lost = tb.filter((t) => !ta.includes(t) && !(t === 'integer' && ta.includes('number')));
    if (lost.length > 0) add('type-tightened', `type ${tb.join('|')} became ${ta.join('|')}`);
  }

  // const / enum: values allowed before must stay allowed.
  const valuesBefore = before.const !== undefined ? [before.const] : (before.enum as unknown[] | undefined);
  const valuesAfter = after.const !== undefined ? [after.const] : (after.enum as unknown[] | undefined);
  if (valuesAfter && !valuesBefore) add('type-tightened', `restricted to ${JSON.stringify(valuesAfter)}`);
  if (valuesAfter && valuesBefore) {
    for (const v of valuesBefore) {
      if (!valuesAfter.some((x) => same(x, v)))
        add('enum-value-removed', `value ${JSON.stringify(v)} removed`);
    }
  }

  for (const key of lowerBounds) {
    const b = before[key] as number | undefined;
    const a = after[key] as number | undefined;
    if (a !== undefined && (b === undefined || a > b)) add('type-tightened', `${key} raised to ${a}`);
  }
  for (const key of upperBounds) {
    const b = before[key] as number | undefined;
    const a = after[key] as number | undefined;
    if (a !== undefined && (b === undefined || a < b)) add('type-tightened', `${key} lowered to ${a}`);
  }
  for (const key of ['pattern', 'format'] as const) {
    if (after[key] !== undefined && after[key] !== before[key]) {
      add(
        'type-tightened',
        `${key} ${before[key] === undefined ? 'added' : 'changed'}: ${String(after[key])}`,
      );
    }
  }
  for (const key of combinators) {
    if (after[key] !== undefined && !same(after[key], before[key]))
      add('type-tightened', `${key} added or changed`);
  }

  // Objects.
  const propsBefore = (before.properties ?? {}) as Record<string, JsonSchema>;
  const propsAfter = (after.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, sub] of Object.entries(propsBefore)) {
    const next = propsAfter[name];
    const childPath = path ? `${path}.${name}` : name;
    if (next === undefined) {
      out.push({
        schema,
        path: childPath,
        rule: 'field-removed',
        message: `${childPath}: field removed (or renamed)`,
      });
    } else if (isSchema(sub) && isSchema(next)) {
      out.push(...compareSchemas(sub, next, schema, childPath));
    }
  }
  const requiredBefore = new Set((before.required as string[] | undefined) ?? []);
  for (const name of (after.required as string[] | undefined) ?? []) {
    if (!requiredBefore.has(name)) {
      const childPath = path ? `${path}.${name}` : name;
      out.push({
        schema,
        path: childPath,
        rule: 'required-added',
        message: `${childPath}: field is now required`,
      });
    }
  }
  if (after.additionalProperties === false && before.additionalProperties !== false) {
    add('type-tightened', 'object closed (additionalProperties: false)');
  } else if (isSchema(before.additionalProperties) && isSchema(after.additionalProperties)) {
    out.push(
      ...compareSchemas(before.additionalProperties, after.additionalProperties, schema, `${path}[*]`),
    );
  } else if (isSchema(after.additionalProperties) && before.additionalProperties === undefined) {
    add('type-tightened', 'additional properties restricted');
  }

  // Arrays.
  if (isSchema(before.items) && isSchema(after.items)) {
    out.push(...compareSchemas(before.items, after.items, schema, `${path}[]`));
  } else if (isSchema(after.items) && before.items === undefined && tb?.includes('array')) {
    add('type-tightened', 'array items restricted');
  }
  return out;
}

/** The suggested new type name for a breaking change to `type`: `.v2`, or the next `.v<N>`. */
export function nextVersion(type: string): string {
  const m = /^(.*)\.v(\d+)$/.exec(type);
  return m ? `${m[1]}.v${Number(m[2]) + 1}` : `${type}.v2`;
}

/** Result of comparing the whole contract with its snapshot. */
export interface CompatReport {
  breaking: BreakingChange[];
  /** Schemas new since the snapshot (new types, including `.v<N>` versions). */
  added: string[];
}

/**
 * Compares every snapshot schema (file name -> schema) with the current one. A schema missing now is a
 * removed type (breaking); new schemas are reported as added.
 */
export function compareContract(
  snapshot: Readonly<Record<string, JsonSchema>>,
  current: Readonly<Record<string, JsonSchema>>,
): CompatReport {
  const breaking: BreakingChange[] = [];
  for (const [file, before] of Object.entries(snapshot)) {
    const after = current[file];
    if (after === undefined) {
      breaking.push({
        schema: file,
        path: '(root)',
        rule: 'type-removed',
        message: `${file}: event type removed`,
      });
      continue;
    }
    breaking.push(...compareSchemas(before, after, file));
  }
  const added = Object.keys(current).filter((file) => !(file in snapshot));
  return { breaking, added };
}
