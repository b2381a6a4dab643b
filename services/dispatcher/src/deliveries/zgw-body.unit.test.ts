import { emptyAccess } from '@ketenhub/access';
import { sealWebhookAuth } from '@ketenhub/service';
import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from './outbox';
import { zgwRequest } from './zgw-body';

const key = 'webhook-master-key-for-tests-0123456789';
const subscriptionId = '4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';
const caseId = '3f9e8d7c-6b5a-4e3d-9c2b-1a0f9e8d7c6b';
const event = {
  specversion: '1.0',
  id: '0b4e2f7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
  type: 'nl.ketens.deelnemer-aangesloten',
  source: 'urn:nld:oin:00000099100000001000:systeem:zaaksysteem',
  subject: caseId,
  time: '2026-03-02T09:05:00Z',
  redactie: 'zonder-bsn',
  data: { geheim: 'never in the body' },
};
const delivery = (change: Partial<ClaimedDelivery> = {}): ClaimedDelivery => ({
  id: '1',
  subscriptionId,
  caseId,
  eventSource: event.source,
  eventId: event.id,
  eventType: event.type,
  body: Buffer.from(JSON.stringify(event)),
  traceparent: null,
  attempts: 0,
  queuedAt: new Date(),
  url: 'https://ecd.example/notificaties',
  secretVersion: 1,
  previousSecretValidUntil: null,
  allowedRate: null,
  format: 'zgw',
  authSealed: sealWebhookAuth(key, subscriptionId, 'Bearer s3cret'),
  oin: '00000099200000002000',
  roles: ['zorgaanbieder'],
  ...change,
});
const access = {
  ...emptyAccess(),
  domein: 'wmo' as const,
  deelnames: [
    {
      oin: '00000099200000002000',
      rol: 'zorgaanbieder' as const,
      toegang: 'beperkt' as const,
      zaakreferentie: 'ECD-7',
      status: 'actief' as const,
      sinds: 0,
      sindsTijd: event.time,
      via: 'toegevoegd' as const,
      verleendDoor: '00000099100000001000',
    },
  ],
};
const options = { projectieUrl: 'https://hub.example.nl', webhookKey: key };

describe('a ZGW-format delivery built from the stored event', () => {
  it('carries the envelope as kenmerken, the receiver case number and the opened auth, never data', () => {
    const r = zgwRequest(delivery(), access, options);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.authorization).toBe('Bearer s3cret');
    const body = JSON.parse(r.body.toString('utf8'));
    expect(body).toMatchObject({ kanaal: 'wmo', kenmerken: { zaakreferentie: 'ECD-7', type: event.type } });
    expect(r.body.toString('utf8')).not.toContain('never in the body');
  });

  it('names a case number only of a participation the access rule lets the receiver read in', () => {
    const kenmerken = (r: ReturnType<typeof zgwRequest>) =>
      r.ok ? JSON.parse(r.body.toString('utf8')).kenmerken : undefined;
    const removed = {
      ...access,
      deelnames: access.deelnames.map((p) => ({ ...p, status: 'verwijderd' as const })),
    };
    expect(kenmerken(zgwRequest(delivery(), removed, options))).not.toHaveProperty('zaakreferentie');
    // Its system is not registered in the role it takes part in: it does not read the case.
    expect(kenmerken(zgwRequest(delivery({ roles: ['cak'] }), access, options))).not.toHaveProperty(
      'zaakreferentie',
    );
    expect(
      kenmerken(zgwRequest(delivery({ oin: '00000099300000003000' }), access, options)),
    ).not.toHaveProperty('zaakreferentie');
  });

  it('refuses to send when the auth value does not open or the kanaal is unknown', () => {
    expect(
      zgwRequest(delivery(), access, { ...options, webhookKey: 'another-key-0123456789abcdefghijkl' }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^auth:/),
    });
    expect(zgwRequest(delivery(), undefined, options)).toMatchObject({ ok: false });
    // A domain event's type names its kanaal even without the case's access state.
    const wmo = { ...event, type: 'nl.wmo.toewijzing-verzonden' };
    expect(zgwRequest(delivery({ body: Buffer.from(JSON.stringify(wmo)) }), undefined, options).ok).toBe(
      true,
    );
    expect(zgwRequest(delivery({ authSealed: null }), access, options)).toMatchObject({
      ok: true,
      authorization: null,
    });
  });
});
