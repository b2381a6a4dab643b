import { describe, expect, test } from 'vitest';
import { CopyRows, type TimelineRow, timelineCopyRows } from './copy-rows';

/** PostgreSQL's reading of the COPY text format: rows by newline, fields by tab, backslash escapes. */
function readCopy(data: Buffer): string[][] {
  const text = data.toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) =>
      line
        .split('\t')
        .map((f) => f.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c)),
    );
}

const row = (json: TimelineRow['json'], over: Partial<TimelineRow['event']> = {}): TimelineRow => ({
  event: {
    source: 'urn:nld:oin:00000099100000001000:systeem:zaaksysteem',
    id: 'e-1',
    subject: '0b5c6a2e-4d1f-4c3a-9e2b-7f8a9b0c1d2e',
    type: 'nl.wmo.melding-ontvangen',
    time: '2026-03-01T12:00:00Z',
    ...over,
  },
  json,
  topic: 'acc.wmo',
  partition: 3,
  offset: '9007199254740993',
});

describe('timeline COPY rows', () => {
  test('plain bytes are copied as they are, every column in order', () => {
    const json = '{"a":"b","n":1}';
    const [fields] = readCopy(timelineCopyRows([row({ bytes: Buffer.from(json) })]));
    expect(fields).toEqual([
      'urn:nld:oin:00000099100000001000:systeem:zaaksysteem',
      'e-1',
      '0b5c6a2e-4d1f-4c3a-9e2b-7f8a9b0c1d2e',
      'nl.wmo.melding-ontvangen',
      '2026-03-01T12:00:00Z',
      'acc.wmo',
      '3',
      '9007199254740993',
      json,
    ]);
  });

  test('backslashes, tabs, newlines and carriage returns in the bytes are escaped; UTF-8 kept', () => {
    const json = '{\n\t"s": "a\\"b\\\\c\\n",\r\n\t"ë": "€ 5"\n}';
    const rows = readCopy(timelineCopyRows([row({ bytes: Buffer.from(json) }), row({ text: json })]));
    expect(rows.map((r) => r[8])).toEqual([json, json]);
    expect(JSON.parse(rows[0]?.[8] ?? '')).toEqual({ s: 'a"b\\c\n', ë: '€ 5' });
  });

  test('text fields with special characters are escaped too', () => {
    const [fields] = readCopy(timelineCopyRows([row({ text: '{}' }, { id: 'x\ty\\z\nw' })]));
    expect(fields?.[1]).toBe('x\ty\\z\nw');
    expect(fields).toHaveLength(9);
  });

  test('many rows grow the buffer past its first estimate without losing a byte', () => {
    const out = new CopyRows(16);
    const big = Buffer.from(`"${'x\\'.repeat(5_000)}"`);
    for (let i = 0; i < 50; i++) out.text(`r${i}`).sep(false).bytes(big).sep(true);
    const rows = readCopy(out.done());
    expect(rows).toHaveLength(50);
    expect(rows.every(([n, v], i) => n === `r${i}` && v === big.toString())).toBe(true);
  });
});
