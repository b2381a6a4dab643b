import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { exampleBsns, exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { mayBeBsn } from '@ketenhub/zgw-notificaties';
import { notificatiesApiValidator } from '@ketenhub/zgw-notificaties/testing';
import { eventually, type HubProcesses, json, publishAccepted, runHub } from './support/hub';
import { webhookReceiver } from './support/webhooks';

/**
 * A ZGW consumer that switches from Open Notificaties to the hub by changing one URL (docs/zgw.md):
 * it registers its abonnement through the registry's façade (`/api/v1/abonnement`, with its hub
 * system's token), and receives Notificaties API 1.0 bodies from the dispatcher, checked against
 * the official schema, in order per chain case, again after an operator's replay, and nothing its
 * role may not see. The hub as processes: registry, gateway, dispatcher.
 */
const projectieUrl = 'https://hub.voorbeeldstad.nl';
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'dispatcher'], use, {
        KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
        DISPATCHER_PROJECTION_URL: projectieUrl,
      }),
    { scope: 'file' },
  ],
});

const official = notificatiesApiValidator();
const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;
const auth = `Bearer ${randomBytes(24).toString('hex')}`;

interface Notification {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: {
    kanaal: string;
    hoofdObject: string;
    resource: string;
    resourceUrl: string;
    aanmaakdatum: string;
    kenmerken: Record<string, string>;
  };
}

/** The consumer's callback as a ZGW application builds it: checks its auth value, answers 204. */
async function zgwCallback() {
  const endpoint = await webhookReceiver((d) => (d.headers.authorization === auth ? 204 : 403));
  const accepted = () =>
    endpoint.deliveries
      .filter((d) => d.headers.authorization === auth)
      .map((d) => ({ headers: d.headers, body: d.body, json: JSON.parse(d.body) as Notification['json'] }));
  return {
    url: endpoint.url('/api/v1/notificaties'),
    /** The notifications it took, in arrival order (not Open Notificaties' test notification). */
    get got(): Notification[] {
      return accepted().filter((n) => n.json.kanaal !== 'test');
    },
    /** The headers of each test notification (the check when an abonnement is made or changed). */
    get tests() {
      return accepted()
        .filter((n) => n.json.kanaal === 'test')
        .map((n) => n.headers);
    },
    close: endpoint.close,
  };
}

describe('ZGW-format deliveries through the Open Notificaties-compatible façade', () => {
  test('a ZGW consumer registered through /api/v1/abonnement receives valid Notificaties 1.0 bodies in order per case, again on a replay, and nothing its role may not see', async ({
    hub,
  }) => {
    const admin = async (path: string, body: unknown) =>
      fetch(`${hub.url('registry')}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const register = async (spec: Record<string, unknown>) => {
      const res = await admin('/systems', spec);
      expect(res.status, await res.clone().text()).toBe(201);
      return json<{ id: string; token: string }>(res);
    };
    const zaaksysteem = await register({
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
    // The provider's ZGW application, registered also as gemeente (it may consume the melding as
    // such); in these cases it takes part as zorgaanbieder, and gets what a care provider may see.
    const ecd = await register({
      oin: zorg.oin,
      name: zorg.systeem,
      roles: ['zorgaanbieder', 'gemeente'],
      domains: ['wmo'],
      publishes: [],
      consumes: [
        'nl.ketens.deelnemer-aangesloten',
        'nl.wmo.melding-ontvangen',
        'nl.wmo.toewijzing-verzonden',
      ],
    });
    const callback = await zgwCallback();
    try {
      // Registering as with Open Notificaties: the same request, another base URL and token.
      const request = { callbackUrl: callback.url, auth, kanalen: [{ naam: 'wmo', filters: {} }] };
      expect(official.validate('Abonnement', request)).toEqual([]);
      const created = await fetch(`${hub.url('registry')}/api/v1/abonnement`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ecd.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      expect(created.status).toBe(201);
      const abonnement = await json<{ url: string; auth: string }>(created);
      expect(official.validate('Abonnement', abonnement)).toEqual([]);
      expect(created.headers.get('location')).toBe(abonnement.url);
      expect(JSON.stringify(abonnement)).not.toContain(auth.slice(7));
      // The façade checked the callback as Open Notificaties does: a test notification with the auth value.
      expect(callback.tests).toHaveLength(1);
      const subscriptionId = abonnement.url.split('/').at(-1) as string;

      const cases = [randomUUID(), randomUUID()];
      const published: Record<string, { id: string; type: string }[]> = {};
      for (const [i, caseId] of cases.entries()) {
        const at = (type: Parameters<typeof makeEvent>[0], data?: Record<string, unknown>) =>
          makeEvent(type, data as never, { subject: caseId, as: 'gemeente', id: randomUUID() });
        const events = [
          at('nl.ketens.ketenzaak-geopend'),
          at('nl.wmo.melding-ontvangen'),
          at('nl.ketens.deelnemer-aangesloten', {
            oin: zorg.oin,
            naam: zorg.naam,
            rol: 'zorgaanbieder',
            systeem: zorg.systeem,
            zaakreferentie: `ECD-${i}`,
            toegang: 'beperkt',
          }),
          at('nl.wmo.toewijzing-verzonden'),
          at('nl.wmo.melding-ontvangen'),
          at('nl.wmo.toewijzing-verzonden'),
        ];
        await publishAccepted(hub, zaaksysteem.token, events, `the events of case ${i}`);
        // What a care provider may see of it: its admission and the toewijzingen, never the melding.
        published[caseId] = events.filter(
          (e) => e.type !== 'nl.wmo.melding-ontvangen' && e.type !== 'nl.ketens.ketenzaak-geopend',
        );
      }
      // A case the provider never joined.
      const elsewhere = randomUUID();
      await publishAccepted(
        hub,
        zaaksysteem.token,
        [
          makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: elsewhere, as: 'gemeente' }),
          makeEvent('nl.wmo.toewijzing-verzonden', undefined, { subject: elsewhere, as: 'gemeente' }),
        ],
        'a case of others',
      );

      const expected = Object.values(published).flat().length;
      await eventually(
        async () => (callback.got.length >= expected ? true : undefined),
        'the notifications',
        90_000,
      );
      await new Promise((r) => setTimeout(r, 1_500));
      expect(callback.got).toHaveLength(expected);

      const perCase = (got: Notification[]) => {
        const out: Record<string, string[]> = {};
        for (const n of got) {
          const caseId = n.json.hoofdObject.split('/').at(-1) as string;
          out[caseId] = [...(out[caseId] ?? []), n.json.resourceUrl.split('#')[1] as string];
        }
        return out;
      };
      // The fragment names the event, unless its id could hold a BSN (then the body leaves it out).
      const wantedPerCase = Object.fromEntries(
        cases.map((c) => [c, (published[c] ?? []).map((e) => (mayBeBsn(e.id) ? undefined : e.id))]),
      );
      expect(perCase(callback.got)).toEqual(wantedPerCase);
      const bsn = exampleBsns[0] as string;
      for (const n of callback.got) {
        expect(official.validate('Message', n.json)).toEqual([]);
        expect(n.headers.authorization).toBe(auth);
        expect(n.headers['content-type']).toBe('application/json');
        expect(n.json.kanaal).toBe('wmo');
        expect(n.json.hoofdObject.startsWith(`${projectieUrl}/cases/`)).toBe(true);
        expect(n.json.kenmerken.bronorganisatie).toBe(gemeente.oin);
        expect(n.json.kenmerken.zaakreferentie).toMatch(/^ECD-[01]$/);
        expect(n.body).not.toContain(bsn);
        expect(n.json.hoofdObject).not.toContain(elsewhere);
      }

      // The operator replays the subscription's history: the same notifications again, in order per case.
      const first = callback.got.length;
      const replay = await fetch(`${hub.url('dispatcher')}/subscriptions/${subscriptionId}/replays`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: '2000-01-01T00:00:00Z', dryRun: false }),
      });
      expect(replay.status, await replay.clone().text()).toBe(202);
      await eventually(
        async () => (callback.got.length >= first + expected ? true : undefined),
        'the replayed notifications',
        90_000,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const again = callback.got.slice(first);
      expect(again).toHaveLength(expected);
      expect(perCase(again)).toEqual(wantedPerCase);
      for (const n of again) expect(official.validate('Message', n.json)).toEqual([]);
      // The same message ids as the first time: a consumer drops repeats by webhook-id.
      expect(new Set(again.map((n) => n.headers['webhook-id']))).toEqual(
        new Set(callback.got.slice(0, first).map((n) => n.headers['webhook-id'])),
      );

      // Deleting the abonnement through the façade ends the deliveries.
      const deleted = await fetch(abonnement.url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${ecd.token}` },
      });
      expect(deleted.status).toBe(204);
    } finally {
      await callback.close();
    }
  });
});
