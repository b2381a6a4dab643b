import { makeEvent } from '@ketenhub/events/testing';
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import {
  parseWebhook,
  signStandardWebhook,
  signWebhook,
  verifyWebhook,
  webhookHandshake,
} from '../src/index';

// 32 key bytes in base64, the form the registry shows.
const secret = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const body = JSON.stringify(makeEvent('nl.wmo.zorg-gestart'));
const now = 1_790_000_000;
const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

describe('webhook signatures (Standard Webhooks)', () => {
  test('a signed delivery verifies here and with the standardwebhooks package, and gives its webhook-id', () => {
    const headers = signStandardWebhook({ secret, webhookId: id, timestampS: now, body });
    expect(verifyWebhook({ secret, headers, body, nowS: now + 10 })).toEqual({
      ok: true,
      scheme: 'standard-webhooks',
      webhookId: id,
    });
    const fresh = Math.floor(Date.now() / 1000);
    const live = signStandardWebhook({ secret, webhookId: id, timestampS: fresh, body });
    expect(new Webhook(secret).verify(body, live)).toMatchObject({ type: 'nl.wmo.zorg-gestart' });
    // And the other way round: what the package signs, the helper verifies.
    const theirs = new Webhook(secret).sign(id, new Date(now * 1000), body);
    expect(
      verifyWebhook({
        secret,
        headers: { 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': theirs },
        body,
        nowS: now,
      }).ok,
    ).toBe(true);
    const parsed = parseWebhook(body);
    expect(parsed.ok && parsed.event.type).toBe('nl.wmo.zorg-gestart');
  });

  test('a secret shown before Standard Webhooks (base64url) is the same key', () => {
    const key = Buffer.from(secret.slice(6), 'base64');
    const old = `whsec_${Buffer.from([...key].map((b, i) => (i === 0 ? 0xfb : b))).toString('base64url')}`;
    const headers = signStandardWebhook({ secret: old, webhookId: id, timestampS: now, body });
    expect(verifyWebhook({ secret: old, headers, body, nowS: now }).ok).toBe(true);
    const standard = `whsec_${Buffer.from(old.slice(6), 'base64url').toString('base64')}`;
    expect(standard).not.toBe(old);
    expect(verifyWebhook({ secret: standard, headers, body, nowS: now }).ok).toBe(true);
  });

  test('during a rotation either secret verifies the two signatures', () => {
    const other = 'whsec_b2xkLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1';
    const a = signStandardWebhook({ secret, webhookId: id, timestampS: now, body });
    const b = signStandardWebhook({ secret: other, webhookId: id, timestampS: now, body });
    const headers = new Headers({
      ...a,
      'webhook-signature': `${a['webhook-signature']} ${b['webhook-signature']}`,
    });
    expect(verifyWebhook({ secret: other, headers, body, nowS: now }).ok).toBe(true);
    expect(verifyWebhook({ secret: [secret], headers, body, nowS: now }).ok).toBe(true);
  });

  test('refuses a changed body, another id, a wrong secret, an old timestamp and missing headers', () => {
    const headers = signStandardWebhook({ secret, webhookId: id, timestampS: now, body });
    expect(verifyWebhook({ secret, headers, body: `${body} `, nowS: now }).ok).toBe(false);
    expect(
      verifyWebhook({ secret, headers: { ...headers, 'webhook-id': 'msg_other' }, body, nowS: now }).ok,
    ).toBe(false);
    expect(verifyWebhook({ secret: 'whsec_b3RoZXI=', headers, body, nowS: now }).ok).toBe(false);
    expect(verifyWebhook({ secret, headers, body, nowS: now + 301 })).toEqual({
      ok: false,
      reason: 'timestamp outside tolerance',
    });
    expect(verifyWebhook({ secret, headers: {}, body, nowS: now }).ok).toBe(false);
    const { 'webhook-timestamp': _t, ...noTimestamp } = headers;
    expect(verifyWebhook({ secret, headers: noTimestamp, body, nowS: now }).ok).toBe(false);
  });
});

describe('the deprecated Ketenhub-Signature', () => {
  test('is accepted when the Standard Webhooks headers are absent', () => {
    const headers = { 'Ketenhub-Signature': signWebhook(secret, body, now) };
    expect(verifyWebhook({ secret, headers, body, nowS: now + 10 })).toEqual({
      ok: true,
      scheme: 'ketenhub-signature',
      webhookId: null,
    });
    expect(verifyWebhook({ secret: 'other', headers, body, nowS: now }).ok).toBe(false);
    expect(verifyWebhook({ secret, headers, body, nowS: now + 301 }).ok).toBe(false);
    expect(
      verifyWebhook({ secret, headers: { 'ketenhub-signature': `t=${now},v1=00` }, body, nowS: now }).ok,
    ).toBe(false);
  });
});

describe('the CloudEvents webhook handshake', () => {
  test('answers the OPTIONS request with consent and the rate, and nothing else', () => {
    expect(
      webhookHandshake('OPTIONS', { 'WebHook-Request-Origin': 'hub.example' }, { ratePerMinute: 120 }),
    ).toEqual({
      allow: 'POST, OPTIONS',
      'webhook-allowed-origin': '*',
      'webhook-allowed-rate': '120',
    });
    expect(
      webhookHandshake(
        'OPTIONS',
        { 'webhook-request-origin': 'hub.example' },
        { allowedOrigins: ['hub.example'] },
      ),
    ).toMatchObject({ 'webhook-allowed-origin': 'hub.example', 'webhook-allowed-rate': '*' });
    expect(
      webhookHandshake('OPTIONS', { 'webhook-request-origin': 'evil' }, { allowedOrigins: ['hub.example'] }),
    ).toBe(undefined);
    expect(webhookHandshake('POST', { 'webhook-request-origin': 'hub.example' })).toBeUndefined();
  });
});

test('parse reports contract violations instead of throwing', () => {
  expect(parseWebhook('nope')).toMatchObject({ ok: false });
  const invalid = parseWebhook(JSON.stringify({ ...JSON.parse(body), subject: '999993653' }));
  expect(invalid.ok).toBe(false);
});
