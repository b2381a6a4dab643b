import { randomUUID } from 'node:crypto';
import { verifyWebhook } from '@ketenhub/client';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { eventually, type HubProcesses, json, publishAccepted, runHub } from './support/hub';
import { type Delivery, webhookReceiver } from './support/webhooks';

/**
 * An integrator's afternoon across the hub's processes (registry, gateway, dispatcher), as
 * docs/onboarding.md describes it: register two systems, subscribe one to webhooks, publish over
 * HTTP, and receive signed deliveries of only the events the receiving organisation may see.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'dispatcher'], use, {
        KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
      }),
    { scope: 'file' },
  ],
});

const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;

describe('webhooks end to end', () => {
  test('a subscribed system receives signed events of the chain cases it was added to, and nothing else', async ({
    hub,
  }) => {
    const admin = (path: string, body: unknown) =>
      fetch(`${hub.url('registry')}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const register = async (spec: Record<string, unknown>) => {
      const res = await admin('/systems', spec);
      expect(res.status).toBe(201);
      return json<{ id: string; token: string; source: string }>(res);
    };
    const wmoSystem = await register({
      oin: gemeente.oin,
      name: gemeente.systeem,
      roles: ['gemeente'],
      domains: ['wmo'],
      publishes: [
        'nl.ketens.ketenzaak-geopend',
        'nl.ketens.deelnemer-aangesloten',
        'nl.wmo.melding-ontvangen',
        'nl.wmo.toewijzing-verzonden',
      ],
      consumes: [],
    });
    const ecd = await register({
      oin: zorg.oin,
      name: zorg.systeem,
      roles: ['zorgaanbieder'],
      domains: ['wmo'],
      publishes: ['nl.wmo.zorg-gestart'],
      consumes: ['nl.wmo.toewijzing-verzonden'],
    });
    const endpoint = await webhookReceiver();
    try {
      const subscribed = await admin(`/systems/${ecd.id}/subscriptions`, { url: endpoint.url() });
      expect(subscribed.status).toBe(201);
      const subscription = await json<{ id: string; secret: string; types: string[] }>(subscribed);
      expect(subscription.types).toEqual(['nl.wmo.toewijzing-verzonden']);
      // The registry asked the receiver's consent first (CloudEvents webhook handshake).
      expect(endpoint.handshakes).toHaveLength(1);
      expect(endpoint.handshakes[0]?.['webhook-request-origin']).toBeTruthy();
      expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

      const publish = async (token: string, event: unknown) => {
        const res = await fetch(`${hub.url('gateway')}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents+json' },
          body: JSON.stringify(event),
        });
        expect(res.status, await res.clone().text()).toBe(202);
      };
      // Systems are known to the gateway once the registry's record reached it.
      const caseId = randomUUID();
      const opening = makeEvent('nl.ketens.ketenzaak-geopend', undefined, {
        subject: caseId,
        as: 'gemeente',
      });
      await publishAccepted(hub, wmoSystem.token, opening, 'the gateway accepts the registered system');

      const toewijzing = (id = randomUUID()) =>
        makeEvent('nl.wmo.toewijzing-verzonden', undefined, { subject: caseId, id, as: 'gemeente' });
      const beforeJoining = toewijzing();
      await publish(
        wmoSystem.token,
        makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, as: 'gemeente' }),
      );
      await publish(wmoSystem.token, beforeJoining);
      // The gemeente adds the provider (participation is granted by the case's owner).
      const joining = makeEvent('nl.ketens.deelnemer-aangesloten', undefined, {
        subject: caseId,
        as: 'gemeente',
      });
      await publish(wmoSystem.token, joining);
      const afterJoining = toewijzing();
      await publish(wmoSystem.token, afterJoining);
      // Another chain case the provider never joined.
      const otherCase = randomUUID();
      await publish(
        wmoSystem.token,
        makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: otherCase, as: 'gemeente' }),
      );
      await publish(
        wmoSystem.token,
        makeEvent('nl.wmo.toewijzing-verzonden', undefined, { subject: otherCase, as: 'gemeente' }),
      );

      await eventually(
        async () => (endpoint.deliveries.length >= 1 ? true : undefined),
        'a webhook delivery',
        60_000,
      );
      // Give anything that should not come a moment to arrive anyway.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(endpoint.deliveries.map((d) => (JSON.parse(d.body) as { id: string }).id)).toEqual([
        afterJoining.id,
      ]);
      const [delivery] = endpoint.deliveries as [Delivery];
      expect(delivery.headers['content-type']).toBe('application/cloudevents+json');
      expect(
        verifyWebhook({
          secret: subscription.secret,
          headers: delivery.headers as Record<string, string>,
          body: delivery.body,
        }),
      ).toMatchObject({ ok: true, scheme: 'standard-webhooks', webhookId: delivery.headers['webhook-id'] });

      expect(
        verifyWebhook({
          secret: 'not-the-secret',
          headers: delivery.headers as Record<string, string>,
          body: delivery.body,
        }).ok,
      ).toBe(false);

      // The operator's view of the subscription on the dispatcher.
      const status = await fetch(`${hub.url('dispatcher')}/subscriptions/${subscription.id}/status`, {
        headers: { authorization: `Bearer ${hub.adminToken}` },
      });
      expect(status.status).toBe(200);
      expect(await json<{ delivered: number; pending: number }>(status)).toMatchObject({
        delivered: 1,
        pending: 0,
      });
    } finally {
      await endpoint.close();
    }
  });
});
