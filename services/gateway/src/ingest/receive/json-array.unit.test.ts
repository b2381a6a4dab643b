import { seededRandom as random } from '@ketenhub/testkit/random';
import { describe, expect, test } from 'vitest';
import { parseJson } from './body';
import { jsonArrayElements } from './json-array';

const pieces = ['a', '"', '\\', '\\"', ',', '[', ']', '{', '}', 'é', '€', '😀', '\n', '\u0000', ' ', 'x:y'];

function value(next: () => number, depth: number): unknown {
  const roll = next();
  if (depth > 3 || roll < 0.3) {
    const kind = Math.floor(next() * 5);
    if (kind === 0)
      return Array.from(
        { length: Math.floor(next() * 6) },
        () => pieces[Math.floor(next() * pieces.length)],
      ).join('');
    if (kind === 1) return (next() - 0.5) * 10 ** Math.floor(next() * 8);
    if (kind === 2) return next() < 0.5;
    if (kind === 3) return null;
    return '';
  }
  if (roll < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const object: Record<string, unknown> = {};
  for (let k = Math.floor(next() * 4); k > 0; k--) object[String(value(next, 99))] = value(next, depth + 1);
  return object;
}

/** JSON text with random whitespace between tokens (outside strings). */
function text(next: () => number, v: unknown): string {
  const space = () => [' ', '\n', '\t', '\r', ''][Math.floor(next() * 5)]!.repeat(Math.floor(next() * 2));
  if (Array.isArray(v))
    return `[${space()}${v.map((e) => `${space()}${text(next, e)}${space()}`).join(',')}${space()}]`;
  if (v !== null && typeof v === 'object') {
    const members = Object.entries(v).map(
      ([k, e]) => `${space()}${JSON.stringify(k)}${space()}:${space()}${text(next, e)}`,
    );
    return `{${members.join(',')}${space()}}`;
  }
  return JSON.stringify(v);
}

/** JSON.parse's answer, as the gateway reads a body without the element split. */
function reference(bytes: Buffer): { value: unknown } | 'invalid' {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return 'invalid';
  }
}

function ours(bytes: Buffer): { value: unknown } | 'invalid' {
  const parsed = parseJson(bytes);
  if (parsed.ok) return { value: parsed.value };
  expect(parsed.refusal.code).toBe('invalid-request');
  return 'invalid';
}

describe('parsing a batch body element by element', () => {
  test('gives JSON.parse’s answer for 3,000 random arrays and 3,000 damaged copies', () => {
    let split = 0;
    const damagedOutcomes = { valid: 0, invalid: 0 };
    for (let seed = 1; seed <= 3_000; seed++) {
      const next = random(seed);
      const array = Array.from({ length: Math.floor(next() * 8) }, () => value(next, 0));
      const body = Buffer.from(
        `${next() < 0.5 ? ' \n' : ''}${text(next, array)}${next() < 0.5 ? '\r\n ' : ''}`,
      );
      expect(ours(body), `seed ${seed}`).toEqual(reference(body));
      if (jsonArrayElements(body)) split++;

      // One byte deleted, replaced or inserted: JSON.parse decides valid or not, we must agree.
      const at = Math.floor(next() * body.length);
      const byte = '[]{},"\\: 1x'.charCodeAt(Math.floor(next() * 11));
      const mutation = Math.floor(next() * 3);
      const changed =
        mutation === 0
          ? Buffer.concat([body.subarray(0, at), body.subarray(at + 1)])
          : mutation === 1
            ? Buffer.concat([body.subarray(0, at), Buffer.from([byte]), body.subarray(at + 1)])
            : Buffer.concat([body.subarray(0, at), Buffer.from([byte]), body.subarray(at)]);
      const expected = reference(changed);
      expect(ours(changed), `seed ${seed}, mutation ${mutation} at ${at}`).toEqual(expected);
      damagedOutcomes[expected === 'invalid' ? 'invalid' : 'valid']++;
    }
    // The split path, not the fallback, did the work for the well-formed bodies.
    expect(split).toBe(3_000);
    // Damage that keeps the JSON valid (in a string, a space) and damage that breaks it both occur.
    expect(damagedOutcomes.valid).toBeGreaterThan(300);
    expect(damagedOutcomes.invalid).toBeGreaterThan(300);
  });

  test.each([
    ['[1}', 'invalid'],
    ['[1,]', 'invalid'],
    ['[,1]', 'invalid'],
    ['[1,,2]', 'invalid'],
    ['[1] x', 'invalid'],
    ['[{]}', 'invalid'],
    ['["a\\"],"]', { value: ['a"],'] }],
    ['["\\\\",1]', { value: ['\\', 1] }],
    [' [ ] ', { value: [] }],
    ['[[],{}]', { value: [[], {}] }],
    ['\uFEFF[1]', 'invalid'],
    ['{"a":[1,2]}', { value: { a: [1, 2] } }],
    ['"[1]"', { value: '[1]' }],
  ])('%s', (body, expected) => {
    expect(ours(Buffer.from(body))).toEqual(expected);
    expect(reference(Buffer.from(body))).toEqual(expected);
  });

  test('does not split arrays longer than the caller takes, and still answers like JSON.parse', () => {
    const body = Buffer.from('[0, 1, [2, 3], 4]');
    expect(jsonArrayElements(body, 4)?.map(String)).toEqual(['0', ' 1', ' [2, 3]', ' 4']);
    expect(jsonArrayElements(body, 3)).toBeUndefined();
    expect(parseJson(body, 3)).toEqual({ ok: true, value: [0, 1, [2, 3], 4] });
    expect(parseJson(Buffer.from('[0, 1, 2,]'), 2)).toMatchObject({
      ok: false,
      refusal: { code: 'invalid-request' },
    });
  });

  test('decodes invalid UTF-8 inside strings as the whole body would (U+FFFD)', () => {
    const body = Buffer.concat([
      Buffer.from('["a'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('",{"b":"'),
      Buffer.from([0xff]),
      Buffer.from('"}]'),
    ]);
    expect(ours(body)).toEqual(reference(body));
    expect(ours(body)).toEqual({ value: ['a\uFFFD', { b: '\uFFFD' }] });
  });

  test('a __proto__ member stays an own property, as with JSON.parse', () => {
    const json = parseJson(Buffer.from('[{"__proto__":{"polluted":1}}]'));
    const parsed = (json.ok ? json.value : []) as Record<string, unknown>[];
    expect(Object.hasOwn(parsed[0]!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
