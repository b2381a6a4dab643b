import type { Violation } from './validate';

/**
 * Text a database cannot keep: U+0000, or a surrogate without its other half. Neither is text, JSON
 * may carry both, most schemas take any string, and PostgreSQL (text and jsonb) refuses both, so
 * such a value would pass every check and then fail in every consumer, for ever. Every JSON body
 * the hub takes is checked with this (validateEvent; the services' `jsonBody`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this must find.
const BROKEN_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when some string (or key) holds U+0000 or an unpaired surrogate; allocates nothing. */
function hasBrokenText(value: unknown): boolean {
  if (typeof value === 'string') return BROKEN_TEXT.test(value);
  if (Array.isArray(value)) {
    for (const v of value) if (hasBrokenText(v)) return true;
    return false;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k in o) if (Object.hasOwn(o, k) && (BROKEN_TEXT.test(k) || hasBrokenText(o[k]))) return true;
  }
  return false;
}

/** The path of the first string (or key) that holds U+0000 or an unpaired surrogate. */
function brokenText(value: unknown, path: (string | number)[]): (string | number)[] | undefined {
  if (typeof value === 'string') return BROKEN_TEXT.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = brokenText(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (BROKEN_TEXT.test(k)) return [...path, k];
      const found = brokenText(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The violation (rule `unicode`) naming the first string or key of `value` that is not text, or
 * undefined; `prefix` is put before the path (e.g. `body`).
 */
export function brokenTextViolation(value: unknown, prefix: readonly string[] = []): Violation | undefined {
  if (!hasBrokenText(value)) return undefined;
  const field = [...prefix, ...(brokenText(value, []) ?? [])].map(String).join('.');
  return {
    field,
    rule: 'unicode',
    message: `${field || 'body'}: must be text: no U+0000 and no unpaired surrogate (UTF-16 half)`,
  };
}
