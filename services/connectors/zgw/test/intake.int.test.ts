import { test as base, describe, expect } from '@ketenhub/testkit';
import { sql } from 'kysely';
import {
  besluitNotificatie,
  openNotificatiesTest,
  postNotificatie,
  selfSignedCertificate,
  startZgwServer,
  zaakNotificatie,
  zaakResourceNotificatie,
  zgwUuid,
} from '../src/testing';
import { voorbeeldCatalogus, voorbeeldConfig } from '../src/testing/config';
import { zgwToken } from '../src/zgw/jwt';
import { type Json, startConnector, startGatewayStandIn, until } from './harness';

/**
 * The intake on a real PostgreSQL, with a ZGW installation over https and a gateway stand-in that
 * can refuse or be away on cue: what Open Zaak's notifications become, in which order, and what
 * happens to those that cannot become events. The whole hub is in test/zgw.e2e.test.ts.
 */
const callbackAuth = 'Bearer on-abonnement-9f4c1d2e7a3b';
const hubToken = 'khs_int_test_token';
const operatorToken = 'o'.repeat(40);
const bsn = '999993653';
const openZaakSecret = 'open-zaak-notificaties-secret';

interface Setup {
  zgw: Awaited<ReturnType<typeof startZgwServer>>;
  catalogus: ReturnType<typeof voorbeeldCatalogus>;
  gateway: Awaited<ReturnType<typeof startGatewayStandIn>>;
  connector: Awaited<ReturnType<typeof startConnector>>;
}

const test = base.extend<{ setup: Setup }>({
  setup: [
    async ({ testDb }, use) => {
      const certificate = selfSignedCertificate();
      const zgw = await startZgwServer({ certificate, clientId: 'ketenhub-int', secret: 'zgw-geheim-int' });
      const catalogus = voorbeeldCatalogus(zgw);
      const gateway = await startGatewayStandIn(hubToken);
      const config = voorbeeldConfig(
        {
          zgw,
          certFile: certificate.certFile,
          clientId: 'ketenhub-int',
          secret: 'zgw-geheim-int',
          callbackAuth,
          hub: { oin: '00000099100000001000', systeem: 'openzaak', token: hubToken },
          openZaak: { clientId: 'openzaak-voorbeeldstad', secret: openZaakSecret },
        },
        catalogus,
      );
      const connector = await startConnector({
        databaseUrl: testDb.url,
        config,
        gatewayUrl: gateway.url,
        operatorToken,
      });
      try {
        await use({ zgw, catalogus, gateway, connector });
      } finally {
        await connector.stop();
        await gateway.close();
        await zgw.close();
        certificate.remove();
      }
    },
    { scope: 'file' },
  ],
});

/** `null`: no Authorization header at all. */
const send = (setup: Setup, body: unknown, auth: string | null = callbackAuth) =>
  postNotificatie(setup.connector.callbackUrl, auth ?? undefined, body);

async function expect204(res: Response) {
  expect(res.status, await res.clone().text()).toBe(204);
}

/** What the gateway accepted for one chain case, in order. */
const eventsOf = (setup: Setup, subject: string) =>
  setup.gateway.accepted().filter((e) => e.subject === subject);

async function notificatieRows(setup: Setup, resourceUrl: string) {
  return setup.connector.db
    .selectFrom('connector_zgw.notificaties')
    .selectAll()
    .where('resource_url', '=', resourceUrl)
    .execute();
}

async function settled(setup: Setup, resourceUrl: string) {
  return until(async () => {
    const rows = await notificatieRows(setup, resourceUrl);
    return rows.length > 0 && rows.every((r) => r.status !== 'nieuw') ? rows : undefined;
  }, `notification about ${resourceUrl} handled`);
}

function wmoZaak(setup: Setup, identificatie: string) {
  const zaak = setup.zgw.zaak(String(setup.catalogus.wmo.zaaktype.url), {
    identificatie,
    registratiedatum: '2026-03-02',
  });
  setup.zgw.medewerker(zaak);
  setup.zgw.initiator(zaak, bsn);
  return zaak;
}

describe('callback endpoint', () => {
  test('authenticates with the abonnement auth, then checks content type and body', async ({ setup }) => {
    const zaak = wmoZaak(setup, 'ZAAK-AUTH-1');
    const valid = zaakNotificatie(zaak, 'create');
    const missing = await send(setup, valid, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await send(setup, valid, 'Bearer wrong')).status).toBe(401);
    // Open Notificaties' own check of the callbackUrl when the abonnement is made: 204 with auth, 401 without.
    await expect204(await send(setup, openNotificatiesTest));
    expect((await send(setup, openNotificatiesTest, null)).status).toBe(401);
    expect(await notificatieRows(setup, 'http://some.resource.nl/')).toEqual([]);

    const asText = await fetch(setup.connector.callbackUrl, {
      method: 'POST',
      headers: { authorization: callbackAuth, 'content-type': 'text/plain' },
      body: JSON.stringify(valid),
    });
    expect(asText.status).toBe(415);

    const bad = await send(setup, { ...valid, actie: '', aanmaakdatum: 'gisteren', hoofdObject: undefined });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as Json;
    expect(problem.errors.map((e: Json) => `${e.field} ${e.rule}`).sort()).toEqual([
      'aanmaakdatum datetime',
      'actie min',
      'hoofdObject required',
    ]);
    expect(await notificatieRows(setup, String(zaak.url))).toEqual([]);
  });
});

describe('Open Zaak straight to the connector', () => {
  test('takes notifications with a ZGW JWT at /api/v1/notificaties, answered like the Notificaties API', async ({
    setup,
  }) => {
    const zaak = wmoZaak(setup, 'ZAAK-DIRECT-1');
    const body = zaakNotificatie(zaak, 'create');
    const jwt = (secret: string, clientId = 'openzaak-voorbeeldstad') =>
      zgwToken({ clientId, secret, userId: 'openzaak', userRepresentation: 'Open Zaak' });
    const post = async (auth: string) =>
      fetch(`${setup.connector.url}/api/v1/notificaties`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await post(`Bearer ${await jwt(openZaakSecret)}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(body);
    expect((await post(`Bearer ${await jwt('not-the-secret')}`)).status).toBe(401);
    expect((await post(`Bearer ${await jwt(openZaakSecret, 'another-client')}`)).status).toBe(401);
    const stale = await zgwToken(
      { clientId: 'openzaak-voorbeeldstad', secret: openZaakSecret, userId: 'x', userRepresentation: 'x' },
      new Date(Date.now() - 2 * 3600_000),
    );
    expect((await post(`Bearer ${stale}`)).status).toBe(401);
    const [row] = await settled(setup, String(zaak.url));
    expect(row).toMatchObject({ bron: 'openzaak-voorbeeldstad', status: 'verwerkt' });
  });
});

describe('zaken become chain-case events', () => {
  test('a status before its zaak opens the chain case itself; the create and re-sent notifications add nothing', async ({
    setup,
  }) => {
    const zaak = wmoZaak(setup, 'ZAAK-2026-0000101');
    const melding = setup.zgw.status(zaak, setup.catalogus.wmo.melding, '2026-03-02T09:05:00.412000Z');
    const statusNotificatie = zaakResourceNotificatie(zaak, 'status', String(melding.url));
    // Open Notificaties does not order: the status comes first, twice (a retry after a timeout).
    await expect204(await send(setup, statusNotificatie));
    await expect204(await send(setup, statusNotificatie));
    await settled(setup, String(melding.url));
    await expect204(await send(setup, zaakNotificatie(zaak, 'create', '2026-03-02T09:04:59.100000Z')));
    await settled(setup, String(zaak.url));

    const [opening] = setup.gateway.accepted().filter((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000101');
    expect(opening).toBeDefined();
    const caseEvents = await until(() => {
      const events = eventsOf(setup, opening!.subject);
      return events.length >= 2 ? events : undefined;
    }, 'the opening and the melding');
    expect(caseEvents.map((e) => e.type)).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.wmo.melding-ontvangen',
    ]);
    expect(caseEvents[0]).toMatchObject({
      source: 'urn:nld:oin:00000099100000001000:systeem:openzaak',
      time: '2026-03-02T00:00:00+01:00',
      data: { domein: 'wmo', rol: 'gemeente', systeem: 'openzaak', zaakreferentie: 'ZAAK-2026-0000101' },
    });
    expect(caseEvents[1]?.data).toEqual({ bsn, gemeentecode: '0999', meldingsdatum: '2026-03-02' });
    // One notification row for the two posts; every id once at the gateway.
    expect(await notificatieRows(setup, String(melding.url))).toHaveLength(1);
    const ids = setup.gateway.received.filter((e) => e.subject === opening!.subject).map((e) => e.id);
    expect(new Set(ids).size).toBe(2);
    // The BSN travels in data only: not in ids, subjects, URLs the connector asked for.
    expect(JSON.stringify(caseEvents.map(({ data: _d, ...envelope }) => envelope))).not.toContain(bsn);
    expect(setup.zgw.requests.some((r) => r.path.includes(bsn))).toBe(false);
    expect(setup.zgw.requests.every((r) => r.clientId === 'ketenhub-int')).toBe(true);
    expect(setup.zgw.requests.some((r) => r.path === '/zaken/api/v1/rollen')).toBe(true);

    // The rest of the lifecycle: the aanvraag, a status mapped to nothing, a document and the beschikking.
    const aanvraag = setup.zgw.status(zaak, setup.catalogus.wmo.aanvraag, '2026-03-20T10:00:00Z');
    const bezig = setup.zgw.status(zaak, setup.catalogus.wmo.inBehandeling, '2026-03-21T10:00:00Z');
    const { zio } = setup.zgw.document(zaak, {
      identificatie: 'DOC-2026-000311',
      titel: 'Verslag keukentafelgesprek',
      vertrouwelijkheidaanduiding: 'vertrouwelijk',
      registratiedatum: '2026-03-22T11:00:00Z',
      sha256: 'c'.repeat(64),
    });
    const besluit = setup.zgw.besluit(zaak, setup.catalogus.wmo.beschikking, {
      identificatie: 'BESLUIT-2026-0011',
      datum: '2026-03-28',
      ingangsdatum: '2026-04-01',
    });
    for (const n of [
      besluitNotificatie(besluit),
      zaakResourceNotificatie(zaak, 'zaakinformatieobject', String(zio.url)),
      zaakResourceNotificatie(zaak, 'status', String(bezig.url)),
      zaakResourceNotificatie(zaak, 'status', String(aanvraag.url)),
      zaakResourceNotificatie(zaak, 'rol', `${setup.zgw.apis.zaken}/rollen/${zgwUuid()}`),
    ]) {
      await expect204(await send(setup, n));
    }
    const all = await until(() => {
      const events = eventsOf(setup, opening!.subject);
      return events.length >= 5 ? events : undefined;
    }, 'the whole WMO lifecycle');
    expect(all.map((e) => e.type).sort()).toEqual([
      'nl.ketens.document-toegevoegd',
      'nl.ketens.ketenzaak-geopend',
      'nl.wmo.aanvraag-ontvangen',
      'nl.wmo.beschikking-afgegeven',
      'nl.wmo.melding-ontvangen',
    ]);
    expect(all.find((e) => e.type === 'nl.ketens.document-toegevoegd')?.data).toMatchObject({
      documentUrl: setup.zgw.resource(String(zio.url)).informatieobject,
      vertrouwelijkheid: 'strikt',
      sha256: 'c'.repeat(64),
    });
    expect(all.find((e) => e.type === 'nl.wmo.beschikking-afgegeven')?.data).toMatchObject({
      beschikkingsnummer: 'BESLUIT-2026-0011',
      besluit: 'toegekend',
      voorzieningen: [{ productcategorie: '01', productcode: '01A01', ingangsdatum: '2026-04-01' }],
    });
    const [statusRow] = await settled(setup, String(bezig.url));
    expect(statusRow).toMatchObject({ status: 'genegeerd', reden: 'status-zonder-event' });
  });

  test('an Omgevingswet zaak closes with its resultaat once, whichever notification tells it', async ({
    setup,
  }) => {
    const zaak = setup.zgw.zaak(String(setup.catalogus.ow.zaaktype.url), {
      identificatie: 'ZAAK-2026-0000202',
      registratiedatum: '2026-04-01',
      kenmerken: [{ kenmerk: '2026-0001234', bron: 'DSO' }],
    });
    const ontvangen = setup.zgw.status(zaak, setup.catalogus.ow.ontvangen, '2026-04-01T08:00:00Z');
    await expect204(await send(setup, zaakNotificatie(zaak, 'create')));
    await expect204(await send(setup, zaakResourceNotificatie(zaak, 'status', String(ontvangen.url))));
    // Withdrawn: Open Zaak wants the resultaat before the final status, and sets einddatum with it.
    const resultaat = setup.zgw.resultaat(zaak, setup.catalogus.ow.ingetrokken, 'Aanvrager trekt in');
    const eind = setup.zgw.status(zaak, setup.catalogus.ow.afgehandeld, '2026-05-04T10:00:00Z');
    await expect204(await send(setup, zaakResourceNotificatie(zaak, 'status', String(eind.url))));
    await expect204(await send(setup, zaakResourceNotificatie(zaak, 'resultaat', String(resultaat.url))));
    await expect204(await send(setup, zaakNotificatie(zaak, 'partial_update')));
    await settled(setup, String(eind.url));
    await settled(setup, String(resultaat.url));
    await settled(setup, String(zaak.url));

    const opening = await until(
      () => setup.gateway.accepted().find((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000202'),
      'the permit case',
    );
    const events = await until(() => {
      const e = eventsOf(setup, opening.subject);
      return e.length >= 3 ? e : undefined;
    }, 'aanvraag and intrekking');
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsOf(setup, opening.subject).map((e) => e.type)).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.omgevingswet.aanvraag-ontvangen',
      'nl.omgevingswet.aanvraag-ingetrokken',
    ]);
    expect(opening.data).toMatchObject({
      domein: 'omgevingswet',
      rol: 'bevoegd-gezag',
      procedure: 'regulier',
    });
    expect(events[1]?.data).toMatchObject({ verzoeknummer: '2026-0001234', procedure: 'regulier' });
    expect(events[2]?.data).toEqual({ intrekkingsdatum: '2026-05-04' });
  });
});

describe('links', () => {
  test('a zaak whose hoofdzaak is linked joins that chain case instead of opening one', async ({ setup }) => {
    const melding = wmoZaak(setup, 'ZAAK-2026-0000606');
    await expect204(await send(setup, zaakNotificatie(melding, 'create')));
    await settled(setup, String(melding.url));
    const opening = await until(
      () => setup.gateway.accepted().find((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000606'),
      'the melding opened its chain case',
    );
    // The aanvraag is a zaak of its own (a deelzaak of the melding), as many municipalities model it.
    const aanvraagZaak = setup.zgw.zaak(String(setup.catalogus.wmo.zaaktype.url), {
      identificatie: 'ZAAK-2026-0000607',
      registratiedatum: '2026-03-20',
      hoofdzaak: melding.url,
    });
    const aanvraag = setup.zgw.status(aanvraagZaak, setup.catalogus.wmo.aanvraag, '2026-03-20T10:00:00Z');
    await expect204(await send(setup, zaakResourceNotificatie(aanvraagZaak, 'status', String(aanvraag.url))));
    await expect204(await send(setup, zaakNotificatie(aanvraagZaak, 'create')));
    await settled(setup, String(aanvraag.url));
    await settled(setup, String(aanvraagZaak.url));
    await until(
      () => (eventsOf(setup, opening.subject).length >= 2 ? true : undefined),
      'the aanvraag on the case',
    );
    expect(eventsOf(setup, opening.subject).map((e) => e.type)).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.wmo.aanvraag-ontvangen',
    ]);
    expect(setup.gateway.accepted().some((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000607')).toBe(false);
    const link = await setup.connector.operator('GET', `/links/${aanvraagZaak.uuid}`);
    expect(link.body).toMatchObject({ ketenzaakId: opening.subject, herkomst: 'hoofdzaak' });
    const [create] = await notificatieRows(setup, String(aanvraagZaak.url));
    expect(create).toMatchObject({ status: 'genegeerd', reden: 'al-gekoppeld' });
  });
});

describe('order', () => {
  test('notifications in reverse order still give the zaak lifecycle in its own order', async ({ setup }) => {
    const zaak = setup.zgw.zaak(String(setup.catalogus.ow.zaaktype.url), {
      identificatie: 'ZAAK-2026-0000505',
      registratiedatum: '2026-06-01',
      kenmerken: [{ kenmerk: '2026-0005050', bron: 'DSO' }],
    });
    const ontvangen = setup.zgw.status(zaak, setup.catalogus.ow.ontvangen, '2026-06-01T08:00:00Z');
    const bevestigd = setup.zgw.status(zaak, setup.catalogus.ow.bevestigd, '2026-06-02T08:00:00Z');
    const resultaat = setup.zgw.resultaat(zaak, setup.catalogus.ow.ingetrokken);
    const eind = setup.zgw.status(zaak, setup.catalogus.ow.afgehandeld, '2026-06-10T08:00:00Z');
    const notifications = [
      zaakNotificatie(zaak, 'create', '2026-06-01T07:59:00.000000Z'),
      zaakResourceNotificatie(zaak, 'status', String(ontvangen.url), 'create', '2026-06-01T08:00:00.000000Z'),
      zaakResourceNotificatie(zaak, 'status', String(bevestigd.url), 'create', '2026-06-02T08:00:00.000000Z'),
      zaakResourceNotificatie(
        zaak,
        'resultaat',
        String(resultaat.url),
        'create',
        '2026-06-10T07:59:00.000000Z',
      ),
      zaakResourceNotificatie(zaak, 'status', String(eind.url), 'create', '2026-06-10T08:00:00.000000Z'),
    ].reverse();
    for (const n of notifications) await expect204(await send(setup, n));
    for (const n of notifications) await settled(setup, n.resourceUrl);
    const opening = await until(
      () => setup.gateway.accepted().find((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000505'),
      'the permit case',
    );
    await until(() => (eventsOf(setup, opening.subject).length >= 4 ? true : undefined), 'four events');
    expect(eventsOf(setup, opening.subject).map((e) => e.type)).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.omgevingswet.aanvraag-ontvangen',
      'nl.omgevingswet.ontvangst-bevestigd',
      'nl.omgevingswet.aanvraag-ingetrokken',
    ]);
    // Each notification still has its own outcome: the later ones found their facts published already.
    const rows = await setup.connector.db
      .selectFrom('connector_zgw.notificaties')
      .select(['resource', 'status', 'reden'])
      .where('zaak_url', '=', String(zaak.url))
      .orderBy('id')
      .execute();
    expect(rows.map((r) => `${r.resource}:${r.status}`)).toEqual([
      'status:verwerkt',
      'resultaat:verwerkt',
      'status:verwerkt',
      'status:verwerkt',
      'zaak:verwerkt',
    ]);
  });
});

describe('what cannot be mapped is answered 2xx and kept', () => {
  test('an unknown zaaktype is kept with its reason, counted, and mapped once the integrator links the zaak', async ({
    setup,
  }) => {
    const zaak = setup.zgw.zaak(String(setup.catalogus.onbekend.zaaktype.url), {
      identificatie: 'PV-2026-77',
      registratiedatum: '2026-03-05',
    });
    const status = setup.zgw.status(zaak, setup.catalogus.onbekend.ontvangen, '2026-03-05T12:00:00Z');
    const { zio } = setup.zgw.document(zaak, {
      identificatie: 'DOC-PV-1',
      titel: 'Situatietekening',
      vertrouwelijkheidaanduiding: 'openbaar',
      registratiedatum: '2026-03-05T12:30:00Z',
    });
    await expect204(await send(setup, zaakNotificatie(zaak, 'create')));
    await expect204(
      await send(setup, zaakResourceNotificatie(zaak, 'zaakinformatieobject', String(zio.url))),
    );
    await settled(setup, String(zio.url));
    await settled(setup, String(zaak.url));

    const list = await setup.connector.operator('GET', '/onverwerkt?reden=zaaktype-onbekend');
    expect(list.status).toBe(200);
    const mine = list.body.items.filter((i: Json) => i.zaakUrl === zaak.url);
    expect(mine.map((i: Json) => i.resource).sort()).toEqual(['zaak', 'zaakinformatieobject']);
    expect(mine[0]).toMatchObject({
      status: 'onverwerkt',
      reden: 'zaaktype-onbekend',
      bron: 'openzaak-voorbeeldstad',
    });
    expect(mine[0].detail).toContain(String(setup.catalogus.onbekend.zaaktype.url));
    const metrics = await (await fetch(`${setup.connector.url}/metrics`)).text();
    expect(metrics).toMatch(
      /ketenhub_zgw_notificaties_afgehandeld_total\{bron="openzaak-voorbeeldstad",uitkomst="onverwerkt",reden="zaaktype-onbekend"[^}]*\} [1-9]/,
    );
    expect((await fetch(`${setup.connector.url}/onverwerkt`)).status).toBe(401);

    // The integrator links the zaak to a chain case opened elsewhere (its uuid in the path).
    const caseId = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
    const linked = await setup.connector.operator('PUT', `/links/${zaak.uuid}`, { ketenzaakId: caseId });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({
      zaakUrl: zaak.url,
      ketenzaakId: caseId,
      herkomst: 'integrator',
      opnieuwInBehandeling: 2,
    });
    expect(
      (
        await setup.connector.operator('PUT', `/links/${encodeURIComponent(String(zaak.url))}`, {
          ketenzaakId: caseId,
        })
      ).status,
    ).toBe(200);
    const conflict = await setup.connector.operator('PUT', `/links/${zaak.uuid}`, { ketenzaakId: zgwUuid() });
    expect(conflict.status).toBe(409);
    expect(conflict.body.errors[0]).toMatchObject({ field: 'ketenzaakId', rule: 'een-ketenzaak' });

    // Documents are chain-level: they map on a linked zaak of any type; the zaak's own facts do not.
    const document = await until(() => eventsOf(setup, caseId)[0], 'the document on the linked case');
    expect(document).toMatchObject({
      type: 'nl.ketens.document-toegevoegd',
      data: { vertrouwelijkheid: 'regulier' },
    });
    await expect204(await send(setup, zaakResourceNotificatie(zaak, 'status', String(status.url))));
    const [statusRow] = await settled(setup, String(status.url));
    expect(statusRow).toMatchObject({ status: 'onverwerkt', reden: 'zaaktype-onbekend' });
    expect(
      (await setup.connector.operator('GET', `/links/${encodeURIComponent(String(zaak.url))}`)).body
        .ketenzaakId,
    ).toBe(caseId);
  });

  test('URLs outside the source ZGW APIs are not fetched; a besluit without zaak and a deleted zaak are kept', async ({
    setup,
  }) => {
    const zaak = wmoZaak(setup, 'ZAAK-SSRF-1');
    const elsewhere = 'https://169.254.169.254/zaken/api/v1/statussen/1';
    await expect204(await send(setup, zaakResourceNotificatie(zaak, 'status', elsewhere)));
    const [row] = await settled(setup, elsewhere);
    expect(row).toMatchObject({ status: 'onverwerkt', reden: 'url-buiten-zgw-api' });

    const besluit = setup.zgw.besluit(null, setup.catalogus.wmo.beschikking, {
      identificatie: 'B-LOS-1',
      datum: '2026-03-01',
    });
    await expect204(await send(setup, besluitNotificatie(besluit)));
    expect((await settled(setup, String(besluit.url)))[0]).toMatchObject({ reden: 'besluit-zonder-zaak' });

    await expect204(await send(setup, zaakNotificatie(zaak, 'destroy')));
    const rows = await settled(setup, String(zaak.url));
    expect(rows.find((r) => r.actie === 'destroy')).toMatchObject({
      status: 'onverwerkt',
      reden: 'zaak-verwijderd',
    });
  });
});

describe('outages and refusals lose nothing', () => {
  test('while a ZGW API is down the notification waits and is retried; then it maps', async ({ setup }) => {
    const zaak = wmoZaak(setup, 'ZAAK-2026-0000303');
    setup.zgw.setUnavailable(true);
    try {
      await expect204(await send(setup, zaakNotificatie(zaak, 'create')));
      const waiting = await until(async () => {
        const [r] = await notificatieRows(setup, String(zaak.url));
        return r && r.attempts >= 2 ? r : undefined;
      }, 'retries against the unavailable ZGW API');
      expect(waiting.status).toBe('nieuw');
      expect(waiting.last_error).toContain('HTTP 503');
    } finally {
      setup.zgw.setUnavailable(false);
    }
    expect((await settled(setup, String(zaak.url)))[0]?.status).toBe('verwerkt');
    await until(
      () => setup.gateway.accepted().find((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000303'),
      'the opening',
    );
  });

  test('a gateway that answers 503 gets the events later; one that refuses leaves them with the operator', async ({
    setup,
  }) => {
    const zaak = wmoZaak(setup, 'ZAAK-2026-0000404');
    setup.gateway.setUnavailable(true);
    await expect204(await send(setup, zaakNotificatie(zaak, 'create')));
    await settled(setup, String(zaak.url));
    await until(async () => {
      const rows = await setup.connector.db
        .selectFrom('connector_zgw.outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('attempts', '>=', 1)
        .execute();
      return rows.length > 0 ? rows : undefined;
    }, 'a postponed event');
    setup.gateway.setUnavailable(false);
    const opening = await until(
      () => setup.gateway.accepted().find((e) => e.data?.zaakreferentie === 'ZAAK-2026-0000404'),
      'the opening after the outage',
    );

    // The gateway refuses the document (e.g. the system was not registered for the type).
    const problem = {
      type: 'https://ketenhub.nl/problems/forbidden',
      title: 'Not allowed',
      status: 403,
      errors: [{ field: 'type', rule: 'publishes', message: 'type: not registered for this system' }],
    };
    setup.gateway.setRefuse((e) => (e.type === 'nl.ketens.document-toegevoegd' ? problem : undefined));
    const { zio } = setup.zgw.document(zaak, {
      identificatie: 'DOC-404',
      titel: 'Aanvraagformulier',
      vertrouwelijkheidaanduiding: 'intern',
      registratiedatum: '2026-03-03T10:00:00Z',
    });
    await expect204(
      await send(setup, zaakResourceNotificatie(zaak, 'zaakinformatieobject', String(zio.url))),
    );
    const refused = await until(async () => {
      const [r] = await notificatieRows(setup, String(zio.url));
      return r?.status === 'geweigerd' ? r : undefined;
    }, 'the refusal kept');
    const listed = await setup.connector.operator('GET', '/onverwerkt?status=geweigerd');
    const item = listed.body.items.find((i: Json) => i.id === refused.id);
    expect(item).toMatchObject({ reden: 'hub-weigert', problem: { status: 403 } });
    expect(item.events).toMatchObject([{ type: 'nl.ketens.document-toegevoegd', status: 'rejected' }]);

    // Fixed at the registry: the operator queues it again and it goes through.
    setup.gateway.setRefuse(() => undefined);
    const again = await setup.connector.operator('POST', '/onverwerkt/opnieuw', { ids: [refused.id] });
    expect(again.body.opnieuwInBehandeling).toBe(1);
    await until(
      () => eventsOf(setup, opening.subject).find((e) => e.type === 'nl.ketens.document-toegevoegd'),
      'the document',
    );
    await until(
      async () =>
        (await notificatieRows(setup, String(zio.url)))[0]?.status === 'verwerkt' ? true : undefined,
      'verwerkt',
    );
    const bad = await setup.connector.operator('POST', '/onverwerkt/opnieuw', {});
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'ids' });
  });
});

describe('service', () => {
  test('serves health, readiness and metrics, and keeps its state in its own schema', async ({ setup }) => {
    expect((await fetch(`${setup.connector.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${setup.connector.url}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${setup.connector.url}/metrics`)).text();
    expect(metrics).toContain('ketenhub_zgw_notificaties_ontvangen_total');
    expect(metrics).toMatch(/ketenhub_zgw_notificaties_ontvangen_total\{[^}]*dubbel="true"[^}]*\} [1-9]/);
    expect(metrics).toContain('ketenhub_zgw_outbox_pending');
    const tables = await sql<{ table_schema: string }>`
      select distinct table_schema from information_schema.tables where table_schema like 'connector%'`.execute(
      setup.connector.db,
    );
    expect(tables.rows.map((r) => r.table_schema)).toEqual(['connector_zgw']);
    const bronnen = await setup.connector.operator('GET', '/bronnen');
    expect(bronnen.body.bronnen[0].registratie).toMatchObject({
      roles: ['gemeente', 'bevoegd-gezag'],
      domains: ['wmo', 'omgevingswet'],
    });
    expect(JSON.stringify(bronnen.body)).not.toContain(hubToken);
    expect(JSON.stringify(bronnen.body)).not.toContain('zgw-geheim-int');
  });
});
