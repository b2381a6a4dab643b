import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pacedLoad, percentile } from './paced-load';

describe('paced load', () => {
  let server: http.Server;
  let url = '';
  let stallAt = -1;
  beforeAll(async () => {
    let seen = 0;
    server = http.createServer((req, res) => {
      const n = seen++;
      const answer = () => res.end(req.url);
      if (n === stallAt) setTimeout(answer, 300);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('sends at the rate asked, and counts time queued behind a stalled answer', async () => {
    // One connection at 200 requests a second for one second.
    const run = () =>
      pacedLoad({
        url,
        rate: 200,
        durationS: 1,
        connections: 1,
        request: (i) => ({ method: 'GET', path: `/${i}` }),
      });
    stallAt = -1;
    const steady = await run();
    expect(steady.sent).toBe(200);
    expect(steady.statuses['2xx']).toBe(200);
    expect(steady.p50Ms).toBeLessThan(50);

    // One connection, one answer held for 300 ms: the ~60 requests due meanwhile wait behind it,
    // and each of them is late by up to 300 ms. A generator that timed from the actual send would
    // report them as fast.
    stallAt = 250;
    const stalled = await run();
    expect(stalled.answered).toBe(200);
    expect(stalled.p90Ms).toBeGreaterThan(100);
    expect(stalled.maxMs).toBeGreaterThanOrEqual(290);
  });

  test('refuses any host but this machine; percentiles are nearest-rank', async () => {
    await expect(
      pacedLoad({
        url: 'http://example.org',
        rate: 1,
        durationS: 1,
        connections: 1,
        request: () => ({ method: 'GET', path: '/' }),
      }),
    ).rejects.toThrow(/127\.0\.0\.1/);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
  });
});
