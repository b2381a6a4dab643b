import { verifyWebhook } from '@ketenhub/client';
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import {
  judge,
  parseRetryAfter,
  parseSchedule,
  retryDelayMs,
  scheduleSpanMs,
  standardRetrySchedule,
} from './outcome';
import {
  legacySecretForm,
  legacySignatureHeader,
  standardSecretForm,
  standardSignature,
  webhookId,
} from './signature';

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

  test('the retry schedule: Standard Webhooks by default, over 72 hours, jitter only adds, Retry-After capped', () => {
    const schedule = parseSchedule(standardRetrySchedule) ?? [];
    expect(schedule).toHaveLength(10);
    expect(scheduleSpanMs(schedule)).toBe((75 * 60 + 35) * 60_000 + 5_000);
    expect(scheduleSpanMs(schedule)).toBeGreaterThanOrEqual(72 * 3_600_000);
    const policy = { schedule, retryAfterMaxMs: 3_600_000 };
    const none = () => 0;
    expect(retryDelayMs(1, null, policy, none)).toBe(5_000);
    expect(retryDelayMs(2, null, policy, none)).toBe(300_000);
    expect(retryDelayMs(2, null, policy, () => 1)).toBe(330_000);
    expect(retryDelayMs(9, null, policy, none)).toBe(24 * 3_600_000);
    // Ten attempts made: parked.
    expect(retryDelayMs(10, null, policy, none)).toBeNull();
    expect(retryDelayMs(1, 20_000, policy, none)).toBe(20_000);
    expect(retryDelayMs(1, 7 * 86_400_000, policy, none)).toBe(3_600_000);
    expect(parseSchedule('0,100ms,2s')).toEqual([0, 100, 2_000]);
    expect(parseSchedule('5,1s')).toBeUndefined();
    expect(parseSchedule('0,soon')).toBeUndefined();
  });

  test('Standard Webhooks signatures verify with the standardwebhooks package and the client, with either secret during a rotation', () => {
    const body = Buffer.from('{"specversion":"1.0","id":"x","data":{"bsn":"999993653"}}');
    const t = Math.floor(Date.now() / 1000);
    const secrets = [
      'whsec_bmV3LXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1',
      'whsec_b2xkLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1',
    ];
    const id = webhookId(
      '3f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11',
      'urn:nld:oin:00000099000000001000:systeem:x',
      'x',
    );
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(t),
      'webhook-signature': standardSignature(secrets, id, t, body),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of secrets) {
      expect(new Webhook(secret).verify(body.toString('utf8'), headers)).toMatchObject({ id: 'x' });
      expect(verifyWebhook({ secret, headers, body })).toMatchObject({ ok: true, webhookId: id });
    }
    expect(() =>
      new Webhook('whsec_b3RoZXItc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWYw').verify(body.toString('utf8'), headers),
    ).toThrow();
    // The id is the message's: the same for every attempt and replay, different per subscription.
    expect(
      webhookId('3f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11', 'urn:nld:oin:00000099000000001000:systeem:x', 'x'),
    ).toBe(id);
    expect(
      webhookId('4f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11', 'urn:nld:oin:00000099000000001000:systeem:x', 'x'),
    ).not.toBe(id);
    expect(id).not.toContain('.');
  });

  test('the deprecated Ketenhub-Signature header still verifies with the client, whichever form of the secret a receiver holds', () => {
    const body = Buffer.from('{"specversion":"1.0","id":"x","data":{"bsn":"999993653"}}');
    const t = 1_780_000_000;
    const current = 'whsec_bmV3LXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1';
    const header = legacySignatureHeader([current], body, t);
    for (const secret of [standardSecretForm(current), legacySecretForm(current)]) {
      expect(
        verifyWebhook({ secret, headers: { 'ketenhub-signature': header }, body, nowS: t }),
      ).toMatchObject({
        ok: true,
      });
    }
    expect(
      verifyWebhook({ secret: 'whsec_other', headers: { 'ketenhub-signature': header }, body, nowS: t }).ok,
    ).toBe(false);
  });
});
