import { makeEvent } from '@ketenhub/events/testing';
import { describe, expect, test } from 'vitest';
import { parseWebhook, signWebhook, verifyWebhook } from '../src/index';

const secret = 'whsec_test_0123456789abcdef';
const body = JSON.stringify(makeEvent('nl.wmo.zorg-gestart'));
const now = 1_790_000_000;

describe('webhook signatures', () => {
  test('accepts a fresh, correctly signed delivery and parses its event', () => {
    const headers = { 'Ketenhub-Signature': signWebhook(secret, body, now) };
    expect(verifyWebhook({ secret, headers, body, nowS: now + 10 })).toEqual({ ok: true });
    const parsed = parseWebhook(body);
    expect(parsed.ok && parsed.event.type).toBe('nl.wmo.zorg-gestart');
  });

  test('accepts either secret during a rotation', () => {
    const headers = new Headers({ 'ketenhub-signature': signWebhook('old-secret', body, now) });
    expect(verifyWebhook({ secret: ['new-secret', 'old-secret'], headers, body, nowS: now })).toEqual({
      ok: true,
    });
  });

  test('refuses a changed body, a wrong secret, an old timestamp and a missing header', () => {
    const header = signWebhook(secret, body, now);
    const headers = { 'ketenhub-signature': header };
    expect(verifyWebhook({ secret, headers, body: `${body} `, nowS: now }).ok).toBe(false);
    expect(verifyWebhook({ secret: 'other', headers, body, nowS: now }).ok).toBe(false);
    expect(verifyWebhook({ secret, headers, body, nowS: now + 301 })).toEqual({
      ok: false,
      reason: 'timestamp outside tolerance',
    });
    expect(verifyWebhook({ secret, headers: {}, body, nowS: now }).ok).toBe(false);
    expect(
      verifyWebhook({ secret, headers: { 'ketenhub-signature': `t=${now},v1=00` }, body, nowS: now }).ok,
    ).toBe(false);
  });

  test('parse reports contract violations instead of throwing', () => {
    expect(parseWebhook('nope')).toMatchObject({ ok: false });
    const invalid = parseWebhook(JSON.stringify({ ...JSON.parse(body), subject: '999993653' }));
    expect(invalid.ok).toBe(false);
  });
});
