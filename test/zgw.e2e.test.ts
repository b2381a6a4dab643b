import { randomBytes } from 'node:crypto';
import {
  besluitNotificatie,
  postNotificatie,
  voorbeeldPublishes,
  zaakNotificatie,
  zaakResourceNotificatie,
} from '@ketenhub/connector-zgw/testing';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { eventually, type HubProcesses, json, runHub } from './support/hub';
import { connectOpenZaak } from './support/zgw-connector';

/**
 * A municipality's Open Zaak connected to the hub through the ZGW connector (docs/zgw.md): the hub as
 * processes (registry, gateway, projection), the connector as a process of its own that uses only the
 * registry's and the gateway's public APIs, and a ZGW installation over https. Notifications are sent
 * the way Open Notificaties sends them to an abonnement: unordered, some twice. The joined case is read
 * from the projection with a case worker's token.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) => runHub({ testDb, kafka }, ['registry', 'gateway', 'projection'], use),
    { scope: 'file' },
  ],
});

const gemeenteOin = '00000099100000001000';
const bsn = '999993653';
const callbackAuth = `Bearer ${randomBytes(24).toString('hex')}`;
const operatorToken = randomBytes(24).toString('hex');

interface CaseBody {
  id: string;
  domein: string;
  fase: string;
  client?: { bsn?: string; gemeentecode?: string };
  deelnemers: { oin: string; rol: string; zaakreferentie?: string }[];
  documenten: { documentId: string; documentUrl: string; vertrouwelijkheid: string }[];
  wmo?: {
    melding?: { meldingsdatum: string };
    aanvraag?: unknown;
    beschikking?: { beschikkingsnummer: string };
  };
  omgevingswet?: { aanvraag?: { verzoeknummer: string }; ingetrokken?: string };
}

async function caseWorkerToken(hub: HubProcesses, roles: string[]) {
  const res = await fetch(`${hub.url('registry')}/dev/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ oin: gemeenteOin, sub: 'consulent-1', roles }),
  });
  expect(res.status).toBe(201);
  return (await json<{ token: string }>(res)).token;
}

describe('ZGW intake end to end', () => {
  test("a municipality's Open Zaak notifications become its chain cases, once each and in the zaak's order", async ({
    hub,
    testDb,
  }) => {
    // The operator registers the connector's hub system with what GET /bronnen says it needs.
    const { zgw, catalogus, connector, close } = await connectOpenZaak(hub, testDb.url, {
      oin: gemeenteOin,
      callbackAuth,
      operatorToken,
    });
    try {
      const bronnen = await json<{ bronnen: { registratie: { publishes: string[]; roles: string[] } }[] }>(
        await connector.operator('/bronnen'),
      );
      expect(bronnen.bronnen[0]?.registratie.publishes.sort()).toEqual([...voorbeeldPublishes].sort());
      const send = async (body: unknown, auth: string | null = callbackAuth) => {
        const res = await postNotificatie(`${connector.url}/notificaties`, auth ?? undefined, body);
        return res.status;
      };

      // A WMO melding-zaak. Its first status reaches the connector before the zaak's create, and twice.
      const zaak = zgw.zaak(String(catalogus.wmo.zaaktype.url), {
        identificatie: 'ZAAK-2026-0000123',
        registratiedatum: '2026-03-02',
      });
      zgw.medewerker(zaak);
      zgw.initiator(zaak, bsn);
      const melding = zgw.status(zaak, catalogus.wmo.melding, '2026-03-02T09:05:00.000000Z');
      const meldingNotificatie = zaakResourceNotificatie(zaak, 'status', String(melding.url));
      expect(await send(meldingNotificatie)).toBe(204);
      expect(await send(zaakNotificatie(zaak, 'create', '2026-03-02T09:00:01.000000Z'))).toBe(204);
      expect(await send(meldingNotificatie)).toBe(204);

      // The rest of the case, notified in the wrong order: beschikking, document, then the aanvraag.
      const aanvraag = zgw.status(zaak, catalogus.wmo.aanvraag, '2026-03-20T10:00:00.000000Z');
      const { zio } = zgw.document(zaak, {
        identificatie: 'DOC-2026-000311',
        titel: 'Verslag keukentafelgesprek',
        vertrouwelijkheidaanduiding: 'zaakvertrouwelijk',
        registratiedatum: '2026-03-21T11:00:00Z',
      });
      const besluit = zgw.besluit(zaak, catalogus.wmo.beschikking, {
        identificatie: 'BESLUIT-2026-0011',
        datum: '2026-03-28',
        ingangsdatum: '2026-04-01',
      });
      expect(await send(besluitNotificatie(besluit, 'create', '2026-03-28T15:00:00.000000Z'))).toBe(204);
      expect(await send(zaakResourceNotificatie(zaak, 'zaakinformatieobject', String(zio.url)))).toBe(204);
      expect(await send(zaakResourceNotificatie(zaak, 'status', String(aanvraag.url)))).toBe(204);
      expect(await send(besluitNotificatie(besluit, 'create', '2026-03-28T15:00:00.000000Z'))).toBe(204);

      const link = await eventually(async () => {
        const res = await connector.operator(`/links/${encodeURIComponent(String(zaak.url))}`);
        return res.status === 200 ? json<{ ketenzaakId: string; herkomst: string }>(res) : undefined;
      }, 'the zaak linked to its chain case');
      expect(link.herkomst).toBe('zaaktype');

      const gemeente = await caseWorkerToken(hub, ['gemeente']);
      const read = (path: string, token: string) =>
        fetch(`${hub.url('projection')}${path}`, { headers: { authorization: `Bearer ${token}` } });
      let last = '';
      const wmoCase = await eventually(
        async () => {
          const res = await read(`/cases/${link.ketenzaakId}`, gemeente);
          last = `HTTP ${res.status} ${(await res.clone().text()).slice(0, 300)}`;
          if (res.status !== 200) return undefined;
          const body = await json<CaseBody>(res);
          return body.wmo?.beschikking && body.documenten.length > 0 && body.wmo.aanvraag ? body : undefined;
        },
        'the WMO chain case joined in the projection',
        90_000,
        () => `${last}\nconnector: ${connector.output().slice(-2000)}`,
      );
      expect(wmoCase.domein).toBe('wmo');
      expect(wmoCase.deelnemers).toEqual([
        expect.objectContaining({ oin: gemeenteOin, rol: 'gemeente', zaakreferentie: 'ZAAK-2026-0000123' }),
      ]);
      expect(wmoCase.client).toEqual({ bsn, gemeentecode: '0999' });
      expect(wmoCase.wmo?.melding?.meldingsdatum).toBe('2026-03-02');
      expect(wmoCase.wmo?.beschikking?.beschikkingsnummer).toBe('BESLUIT-2026-0011');
      expect(wmoCase.documenten).toEqual([
        expect.objectContaining({
          documentId: 'DOC-2026-000311',
          documentUrl: zgw.resource(String(zio.url)).informatieobject,
          vertrouwelijkheid: 'strikt',
        }),
      ]);
      // One event per fact, in the zaak's order, although notifications came twice and out of order.
      const timeline = await json<{ items: { type: string; source?: string }[] }>(
        await read(`/cases/${link.ketenzaakId}/events?limit=1000`, gemeente),
      );
      // The zaak's dates lie months back, so the hub's own clock may already have published a
      // termijn-verstreken for it (its deadline scan runs on the real date): not the connector's.
      const types = timeline.items.map((e) => e.type).filter((t) => t !== 'nl.ketens.termijn-verstreken');
      expect(types.slice(0, 3)).toEqual([
        'nl.ketens.ketenzaak-geopend',
        'nl.wmo.melding-ontvangen',
        'nl.wmo.aanvraag-ontvangen',
      ]);
      // A besluit and a document are not ordered against each other (different ZGW resources, no
      // clock between them); both come after the statuses set before them.
      expect(types.slice(3).sort()).toEqual([
        'nl.ketens.document-toegevoegd',
        'nl.wmo.beschikking-afgegeven',
      ]);

      // A permit application of the same municipality, as bevoegd gezag: withdrawn before a decision.
      const permit = zgw.zaak(String(catalogus.ow.zaaktype.url), {
        identificatie: 'ZAAK-2026-0000456',
        registratiedatum: '2026-04-01',
        kenmerken: [{ kenmerk: '2026-0001234', bron: 'DSO' }],
      });
      const ontvangen = zgw.status(permit, catalogus.ow.ontvangen, '2026-04-01T08:00:00.000000Z');
      const resultaat = zgw.resultaat(permit, catalogus.ow.ingetrokken, 'Aanvrager trekt de aanvraag in');
      const eind = zgw.status(permit, catalogus.ow.afgehandeld, '2026-04-20T10:00:00.000000Z');
      expect(await send(zaakResourceNotificatie(permit, 'status', String(eind.url)))).toBe(204);
      expect(await send(zaakResourceNotificatie(permit, 'resultaat', String(resultaat.url)))).toBe(204);
      expect(await send(zaakResourceNotificatie(permit, 'status', String(ontvangen.url)))).toBe(204);
      expect(await send(zaakNotificatie(permit, 'create'))).toBe(204);
      const permitLink = await eventually(async () => {
        const res = await connector.operator(`/links/${permit.uuid}`);
        return res.status === 200 ? json<{ ketenzaakId: string }>(res) : undefined;
      }, 'the permit zaak linked');
      const bevoegdGezag = await caseWorkerToken(hub, ['bevoegd-gezag']);
      const permitCase = await eventually(
        async () => {
          const res = await read(`/cases/${permitLink.ketenzaakId}`, bevoegdGezag);
          if (res.status !== 200) return undefined;
          const body = await json<CaseBody>(res);
          return body.omgevingswet?.ingetrokken ? body : undefined;
        },
        'the withdrawn permit case',
        60_000,
      );
      expect(permitCase.domein).toBe('omgevingswet');
      expect(permitCase.fase).toBe('ingetrokken');
      expect(permitCase.omgevingswet?.aanvraag?.verzoeknummer).toBe('2026-0001234');
      expect(permitCase.omgevingswet?.ingetrokken).toBe('2026-04-20');
      const permitTimeline = await json<{ items: { type: string }[] }>(
        await read(`/cases/${permitLink.ketenzaakId}/events?limit=1000`, bevoegdGezag),
      );
      expect(
        permitTimeline.items.map((e) => e.type).filter((t) => t !== 'nl.ketens.termijn-verstreken'),
      ).toEqual([
        'nl.ketens.ketenzaak-geopend',
        'nl.omgevingswet.aanvraag-ontvangen',
        'nl.omgevingswet.aanvraag-ingetrokken',
      ]);

      // What cannot be mapped: answered 2xx, kept with the reason for the operator.
      const parkeren = zgw.zaak(String(catalogus.onbekend.zaaktype.url), {
        identificatie: 'PV-2026-0099',
        registratiedatum: '2026-03-05',
      });
      expect(await send(zaakNotificatie(parkeren, 'create'))).toBe(204);
      const kept = await eventually(async () => {
        const list = await json<{ items: { zaakUrl: string; reden: string; status: string }[] }>(
          await connector.operator('/onverwerkt'),
        );
        return list.items.find((i) => i.zaakUrl === parkeren.url);
      }, 'the unknown zaaktype kept');
      expect(kept).toMatchObject({ status: 'onverwerkt', reden: 'zaaktype-onbekend' });
      const metrics = await (await fetch(`${connector.url}/metrics`)).text();
      expect(metrics).toMatch(
        /ketenhub_zgw_notificaties_afgehandeld_total\{[^}]*uitkomst="onverwerkt",reden="zaaktype-onbekend"[^}]*\} 1/,
      );

      // Only Open Notificaties with the abonnement's auth value gets in.
      expect(await send(zaakNotificatie(zaak, 'partial_update'), null)).toBe(401);
      expect(await send(zaakNotificatie(zaak, 'partial_update'), 'Bearer not-the-abonnement')).toBe(401);

      // The BSN reached the case through the event's data only, never the connector's log.
      expect(connector.output()).not.toContain(bsn);
      expect(await connector.stop()).toBe(0);
    } finally {
      await close();
    }
  });
});
