import { describe, expect, test } from 'vitest';
import { brokenTextViolation } from './text';

describe('text a database can keep', () => {
  test('names the first string or key holding U+0000 or an unpaired surrogate', () => {
    expect(brokenTextViolation({ a: 'ok', b: ['fine', { c: 'x\u0000y' }] })).toEqual({
      field: 'b.1.c',
      rule: 'unicode',
      message: 'b.1.c: must be text: no U+0000 and no unpaired surrogate (UTF-16 half)',
    });
    expect(brokenTextViolation({ ['k\ud800']: 1 })?.field).toBe('k\ud800');
    expect(brokenTextViolation({ kanaal: '\udc00' }, ['body'])?.field).toBe('body.kanaal');
    expect(brokenTextViolation('\u0000')?.message).toMatch(/^body: must be text/);
  });

  test('passes text, paired surrogates, RTL marks and non-strings', () => {
    expect(brokenTextViolation({ naam: 'Zoë \u202e 😀', n: 1, b: true, x: null, l: [] })).toBeUndefined();
    expect(brokenTextViolation(undefined)).toBeUndefined();
  });
});
