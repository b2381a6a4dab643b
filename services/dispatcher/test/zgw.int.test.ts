import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@ketenhub/client';
import type { EventData, KetenEvent, PublisherRole } from '@ketenhub/events';
import { exampleBsns, exampleData, exampleOrganisations as org } from '@ketenhub/events/testing';
import { deriveSigningSecret } from '@ketenhub/service';
import { describe, expect } from '@ketenhub/testkit';
import { notificatiesApiValidator } from '@ketenhub/zgw-notificaties/testing';
import { consumable, ev, type Org, wmoOpened } from './events';
import { type Hub, hubTest as test, until, webhookKey } from './harness';

/**
 * ZGW-format deliveries (issue 14, item 2): a subscription made through the registry's façade gets
 * Notificaties API 1.0 bodies built from the stored event, with the Authorization value it
 * registered, under the same order, retries and access rule as CloudEvents deliveries.
 */
const official = notificatiesApiValidator();

interface Got {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a notification as received
  json: any;
}

/** A ZGW consumer's callback: 204 for Open Notificaties' test notification, `answer` for the rest. */
async function zgwReceiver() {
  const got: Got[] = [];
  let answer: (json: Got['json'], attempt: number) => number = () => 204;
  const attempts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = JSON.parse(body);
      if (json.kanaal === 'test') {
        res.writeHead(204).end();
        return;
      }
      const n = (attempts.get(json.resourceUrl) ?? 0) + 1;
      attempts.set(json.resourceUrl, n);
      const status = answer(json, n);
      got.push({ headers: req.headers, body, status, json });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    url: `http://127.0.0.1:${port}/notificaties`,
    got,
    accepted: () => got.filter((g) => g.status < 300),
    behave(next: typeof answer) {
      answer = next;
    },
    close,
  };
}

/** A system registered by the operator, then subscribed through the façade with its own token. */
async function zgwSubscriber(
  hub: Hub,
  who: Org,
  roles: PublisherRole[],
  callbackUrl: string,
  auth: string,
  kanalen: { naam: string; filters?: Record<string, string> }[],
) {
  const system = await hub.registry.call('POST', '/systems', {
    oin: who.oin,
    name: `${who.systeem}-zgw-${randomUUID().slice(0, 6)}`,
    roles,
    domains: ['wmo'],
    publishes: [],
    consumes: consumable(roles, 'wmo'),
  });
  if (system.status !== 201) throw new Error(JSON.stringify(system.body));
  const res = await fetch(`${hub.registry.url}/api/v1/abonnement`, {
    method: 'POST',
    headers: { authorization: `Bearer ${system.body.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ callbackUrl, auth, kanalen }),
  });
  const body = (await res.json()) as { url: string };
  if (res.status !== 201) throw new Error(JSON.stringify(body));
  const id = body.url.split('/').at(-1) as string;
  return { id, secret: deriveSigningSecret(webhookKey, id, 1) };
}

describe('ZGW-format deliveries', () => {
  test('Notificaties 1.0 bodies with the registered auth, signed, in order per case, retried; kenmerken and filters; nothing a role may not see', async ({
    hub,
  }) => {
    const testStart = new Date(Date.now() - 1_000).toISOString();
    const gemeenteCb = await zgwReceiver();
    const cakCb = await zgwReceiver();
    const filteredCb = await zgwReceiver();
    try {
      const gemeente = await zgwSubscriber(
        hub,
        org.gemeente,
        ['gemeente'],
        gemeenteCb.url,
        'Bearer gemeente-zgw-secret',
        [{ naam: 'wmo' }],
      );
      // A CAK system also registered as gemeente may consume everything of WMO; taking part as cak,
      // it gets what the CAK may see, and its notification carries nothing of the rest.
      const cak = await zgwSubscriber(hub, org.cak, ['cak', 'gemeente'], cakCb.url, 'Token cak-zgw-secret', [
        { naam: 'wmo' },
      ]);
      // Open Notificaties' filter semantics: only notifications whose kenmerken match.
      const filtered = await zgwSubscriber(
        hub,
        org.gemeente,
        ['gemeente'],
        filteredCb.url,
        'Bearer filtered',
        [{ naam: 'wmo', filters: { bronorganisatie: org.zorgaanbieder.oin } }],
      );
      const dispatcher = await hub.dispatcher();

      const caseId = randomUUID();
      const opened = wmoOpened(caseId);
      const added = (who: Org, rol: 'zorgaanbieder' | 'cak', zaakreferentie: string) =>
        ev(
          'nl.ketens.deelnemer-aangesloten',
          { oin: who.oin, rol, systeem: who.systeem, zaakreferentie, toegang: 'beperkt' },
          org.gemeente,
          caseId,
        );
      const melding = ev(
        'nl.wmo.melding-ontvangen',
        structuredClone(exampleData['nl.wmo.melding-ontvangen']),
        org.gemeente,
        caseId,
      );
      const started = ev('nl.wmo.zorg-gestart', undefined, org.zorgaanbieder, caseId);
      const events = [
        opened,
        added(org.zorgaanbieder, 'zorgaanbieder', 'ECD-7'),
        added(org.cak, 'cak', 'EB-1'),
        melding,
        started,
      ];
      // The melding's first attempt fails: it is retried, and what follows waits for it.
      gemeenteCb.behave((json, attempt) =>
        json.resource === 'melding-ontvangen' && attempt === 1 ? 500 : 204,
      );
      await hub.publish(events);

      await until(() => gemeenteCb.accepted().length >= events.length, 'gemeente notifications');
      await until(() => cakCb.accepted().length >= 2, 'cak notifications');
      await until(() => filteredCb.accepted().length >= 1, 'filtered notifications');

      // In log order, the retried one included, each a valid notification about the chain case.
      const gemeenteGot = gemeenteCb.accepted();
      expect(gemeenteGot.map((g) => g.json.kenmerken.type)).toEqual(events.map((e) => e.type));
      expect(gemeenteCb.got.filter((g) => g.status === 500)).toHaveLength(1);
      for (const [i, g] of gemeenteGot.entries()) {
        expect(official.validate('Message', g.json)).toEqual([]);
        expect(g.headers.authorization).toBe('Bearer gemeente-zgw-secret');
        expect(g.headers['content-type']).toBe('application/json');
        expect(verifyWebhook({ secret: gemeente.secret, headers: g.headers, body: g.body })).toMatchObject({
          ok: true,
        });
        const e = events[i] as KetenEvent;
        expect(g.json).toEqual({
          kanaal: 'wmo',
          hoofdObject: `https://hub.test/cases/${caseId}`,
          resource: e.type.split('.').slice(2).join('.'),
          resourceUrl: `https://hub.test/cases/${caseId}/events#${e.id}`,
          actie: 'create',
          aanmaakdatum: e.time,
          kenmerken: {
            type: e.type,
            bron: e.source,
            bronorganisatie: e.source.split(':')[3],
            // The receiver's own local case number in this chain case.
            zaakreferentie: 'Z-1',
          },
        });
      }
      // No BSN in any body, URL or kenmerk.
      const bsn = exampleBsns[0] as string;
      for (const g of [...gemeenteCb.got, ...cakCb.got, ...filteredCb.got]) expect(g.body).not.toContain(bsn);

      // The CAK: its own admission, then care, never the melding; its own case number.
      const cakGot = cakCb.accepted();
      expect(cakGot.map((g) => g.json.kenmerken.type)).toEqual([
        'nl.ketens.deelnemer-aangesloten',
        'nl.wmo.zorg-gestart',
      ]);
      for (const g of cakGot) {
        expect(official.validate('Message', g.json)).toEqual([]);
        expect(g.headers.authorization).toBe('Token cak-zgw-secret');
        expect(g.json.kenmerken.zaakreferentie).toBe('EB-1');
        expect(verifyWebhook({ secret: cak.secret, headers: g.headers, body: g.body })).toMatchObject({
          ok: true,
        });
      }
      const care = started.data as EventData<'nl.wmo.zorg-gestart'>;
      expect(cakGot[1]?.body).not.toContain(care.zorgaanbieder);
      expect(cakGot[1]?.body).not.toContain(care.productcode);
      // The outbox holds the CAK's redacted copy: the body was built from what the rule left.
      const stored = await hub.outbox(cak.id);
      expect(stored.map((r) => r.event_type)).toEqual([
        'nl.ketens.deelnemer-aangesloten',
        'nl.wmo.zorg-gestart',
      ]);

      // The filter on bronorganisatie let through what the care provider published only.
      expect(filteredCb.accepted().map((g) => g.json.kenmerken.type)).toEqual(['nl.wmo.zorg-gestart']);
      expect(await hub.queued(filtered.id)).toEqual([started.id]);
      // A replay of the window applies the same filters (the job reads the subscription from the
      // dispatcher's table, not from the directory): only what passed them would be sent again.
      const replay = await dispatcher.call('POST', `/subscriptions/${filtered.id}/replays`, {
        from: testStart,
      });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ dryRun: true, events: 1 });

      // The operator's view names the format and whether an auth value is set, never the value.
      const status = await dispatcher.status(gemeente.id);
      expect(status).toMatchObject({ format: 'zgw', authSet: true });
      expect(JSON.stringify(status)).not.toContain('gemeente-zgw-secret');
    } finally {
      await gemeenteCb.close();
      await cakCb.close();
      await filteredCb.close();
    }
  });
});
