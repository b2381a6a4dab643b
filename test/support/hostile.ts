import { expect } from '@ketenhub/testkit';
import fc from 'fast-check';

/**
 * What the hostile-input suites (test/hostile*.e2e.test.ts, issue 16 item 4) share: the request
 * helper that counts every answer per API, the expectation every answer must meet, and the
 * generators of text and ids no system should get past a service.
 */
export const RUNS = Number(process.env.HOSTILE_RUNS ?? 400);

export interface Answer {
  status: number;
  type: string;
  body: unknown;
}

const tally = new Map<string, Map<number, number>>();
function count(api: string, status: number) {
  const m = tally.get(api) ?? new Map<number, number>();
  m.set(status, (m.get(status) ?? 0) + 1);
  tally.set(api, m);
}

export async function call(api: string, url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the assertions below say so
  }
  count(api, res.status);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body };
}

/** A 4xx problem+json; with `fields`, its errors name a field and a rule each. */
export function expectProblem(a: Answer, what: string, fields = true) {
  expect(a.status, `${what}: ${JSON.stringify(a.body).slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(a.status, `${what}: ${JSON.stringify(a.body).slice(0, 300)}`).toBeLessThan(500);
  expect(a.type, what).toContain('application/problem+json');
  const problem = a.body as {
    title?: string;
    errors?: { field?: string; rule?: string; message?: string }[];
  };
  expect(typeof problem.title, what).toBe('string');
  if (fields && problem.errors) {
    for (const e of problem.errors) {
      expect(typeof e.field, what).toBe('string');
      expect(typeof e.rule, what).toBe('string');
      expect(e.message ?? '', what).toContain(e.field ?? '');
    }
  }
}

// Text no system should be able to sneak into a field, and ids that look like something else.
export const weirdText = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\u202e\u2066',
    '\ufeff',
    "'; drop table x; --",
    '<script>',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
export const badOin = fc.oneof(
  fc.constantFrom('123', '00000099100000001001', 'abcdefghijklmnopqrst', ''),
  fc.string(),
);
export const badUuid = fc.oneof(
  fc.constantFrom('999993653', '12345678-1234-1234-1234-12345678901', ''),
  fc.string(),
);

/** Prints the answers per API and status, and fails on any 5xx among them. */
export function reportTally(title: string): void {
  const lines = [...tally].map(
    ([api, m]) =>
      `${api.padEnd(11)} ${[...m.values()].reduce((a, b) => a + b, 0)} requests: ${[...m]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
  );
  process.stdout.write(`\n${title}:\n${lines.join('\n')}\n`);
  for (const m of tally.values()) for (const s of m.keys()) expect(s).toBeLessThan(500);
}

/**
 * A generated string as one URL path segment. encodeURIComponent throws on an unpaired surrogate
 * (it has no UTF-8 form), so those become U+FFFD first; and a segment of only dots (`.`, `..`, even
 * as `%2E`) is removed by URL parsing before the request leaves, so `/cases/.` would be `/cases/`:
 * such a segment gets a letter after it. No URL can carry either; the body and header cases test
 * them where they can arrive.
 */
export function pathSegment(s: string): string {
  const wellFormed = s.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );
  return encodeURIComponent(/^\.+$/.test(wellFormed) ? `${wellFormed}x` : wellFormed);
}
