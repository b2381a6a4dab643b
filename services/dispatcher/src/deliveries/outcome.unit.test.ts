import { verifyWebhook } from '@ketenhub/client';
import { describe, expect, test } from 'vitest';
import { judge, parseRetryAfter, retryDelayMs } from './outcome';
import { signatureHeader } from './signature';

const answered = (status: number, retryAfter: string | null = null) =>
  ({ kind: 'answered', status, retryAfter, bodyPrefix: '' }) as const;

describe('sender rules', () => {
  test('what each answer means', () => {
    expect(judge(answered(204), 0).kind).toBe('delivered');
    expect(judge(answered(202), 0).kind).toBe('delivered');
    expect(judge(answered(410), 0).kind).toBe('gone');
    expect(judge(answered(429, '7'), 0)).toMatchObject({
      kind: 'retry',
      retryAfterMs: 7_000,
      receiverWide: true,
    });
    expect(judge(answered(503), 0)).toMatchObject({ kind: 'retry', retryAfterMs: null, receiverWide: true });
    expect(judge(answered(500), 0)).toMatchObject({ kind: 'retry', receiverWide: false });
    expect(judge(answered(400), 0)).toMatchObject({ kind: 'failed', status: 400 });
    expect(judge(answered(401), 0).kind).toBe('failed');
    expect(judge(answered(302), 0)).toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining('redirect'),
    });
    expect(judge({ kind: 'unreachable', reason: 'ECONNREFUSED' }, 0)).toMatchObject({
      kind: 'retry',
      receiverWide: true,
    });
  });

  test('Retry-After as seconds or HTTP date', () => {
    const now = Date.parse('2026-03-02T09:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  test('backoff doubles, is capped, and honours a longer Retry-After up to the cap', () => {
    const policy = { baseMs: 1_000, maxMs: 60_000 };
    const top = () => 1;
    expect(retryDelayMs(1, null, policy, top)).toBe(1_000);
    expect(retryDelayMs(4, null, policy, top)).toBe(8_000);
    expect(retryDelayMs(30, null, policy, top)).toBe(60_000);
    expect(retryDelayMs(4, null, policy, () => 0)).toBe(4_000);
    expect(retryDelayMs(1, 20_000, policy, top)).toBe(20_000);
    expect(retryDelayMs(1, 3_600_000, policy, top)).toBe(60_000);
  });

  test('the signature header verifies with the client, with either secret during a rotation', () => {
    const body = Buffer.from('{"specversion":"1.0","id":"x","data":{"bsn":"999993653"}}');
    const t = 1_780_000_000;
    const header = signatureHeader(['whsec_new', 'whsec_old'], body, t);
    expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    for (const secret of ['whsec_new', 'whsec_old']) {
      expect(verifyWebhook({ secret, headers: { 'ketenhub-signature': header }, body, nowS: t })).toEqual({
        ok: true,
      });
    }
    expect(
      verifyWebhook({ secret: 'whsec_other', headers: { 'ketenhub-signature': header }, body, nowS: t }).ok,
    ).toBe(false);
  });
});
