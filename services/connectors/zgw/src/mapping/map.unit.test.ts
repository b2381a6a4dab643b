import { validateEvent } from '@ketenhub/events';
import { describe, expect, it } from 'vitest';
import { type Bron, configSchema, hubSource } from '../config/config';
import type {
  Besluit,
  Enkelvoudiginformatieobject,
  Status,
  Zaak,
  Zaakinformatieobject,
} from '../zgw/resources';
import { vertrouwelijkheidaanduidingen } from '../zgw/resources';
import { amsterdamDate, amsterdamMidnight } from './dates';
import { ids, uuidV5 } from './ids';
import { koppelingVan } from './koppeling';
import {
  besluitEvent,
  documentEvent,
  initiatorBsn,
  type Mapped,
  mediatypeOf,
  openingEvent,
  type PreparedEvent,
  sluitingEvent,
  statusEvent,
  vertrouwelijkheidVan,
} from './map';

const oz = 'https://openzaak.voorbeeldstad.nl';
const zt = {
  wmo: `${oz}/catalogi/api/v1/zaaktypen/4f1c0f0e-aaaa-4bbb-8ccc-0d0e0f101112`,
  ow: `${oz}/catalogi/api/v1/zaaktypen/6a7b8c9d-aaaa-4bbb-8ccc-0d0e0f101112`,
};
const statustype = (omschrijving: string, eind = false) => ({
  url: `${oz}/catalogi/api/v1/statustypen/${omschrijving.replaceAll(' ', '-').toLowerCase()}`,
  omschrijving,
  isEindstatus: eind,
});

const bron: Bron = configSchema.parse({
  bronnen: [
    {
      id: 'openzaak-voorbeeldstad',
      callbackAuthSha256: 'a'.repeat(64),
      hub: { oin: '00000099100000001000', systeem: 'openzaak', rol: 'gemeente', token: 'khs_test' },
      zgw: {
        clientId: 'ketenhub',
        secret: 'geheim',
        zaken: `${oz}/zaken/api/v1`,
        catalogi: `${oz}/catalogi/api/v1`,
        besluiten: `${oz}/besluiten/api/v1`,
        documenten: `${oz}/documenten/api/v1`,
      },
      gemeentecode: '0999',
      zaaktypen: [
        {
          zaaktype: zt.wmo,
          domein: 'wmo',
          statussen: [
            { statustype: statustype('Melding ontvangen').url, event: 'nl.wmo.melding-ontvangen' },
            {
              omschrijving: 'aanvraag ontvangen',
              event: 'nl.wmo.aanvraag-ontvangen',
              data: { productcategorieen: ['01'] },
            },
            { omschrijving: 'In behandeling', event: null },
          ],
          besluiten: [
            {
              omschrijving: 'Beschikking',
              besluit: 'toegekend',
              voorzieningen: [{ productcategorie: '01' }],
            },
          ],
        },
        {
          zaaktype: zt.ow,
          domein: 'omgevingswet',
          rol: 'bevoegd-gezag',
          procedure: 'regulier',
          ketenzaak: 'openen',
          statussen: [
            {
              omschrijving: 'Ontvangen',
              event: 'nl.omgevingswet.aanvraag-ontvangen',
              data: { activiteiten: ['bouwen'] },
            },
          ],
          resultaten: [
            { omschrijving: 'Ingetrokken', event: 'nl.omgevingswet.aanvraag-ingetrokken' },
            { omschrijving: 'Verleend', event: null },
          ],
          besluiten: [{ omschrijving: 'Omgevingsvergunning', uitkomst: 'verleend' }],
        },
      ],
    },
  ],
}).bronnen[0]!;
const [wmo, ow] = bron.zaaktypen as [Bron['zaaktypen'][number], Bron['zaaktypen'][number]];

const zaak = (over: Partial<Zaak> = {}): Zaak => ({
  url: `${oz}/zaken/api/v1/zaken/1b2c3d4e-aaaa-4bbb-8ccc-0d0e0f101112`,
  identificatie: 'ZAAK-2026-0000042',
  bronorganisatie: '002220647',
  zaaktype: zt.wmo,
  registratiedatum: '2026-03-02',
  startdatum: '2026-03-02',
  einddatum: null,
  kenmerken: [],
  ...over,
});
const caseId = ids.ketenzaak(bron.id, zaak().url);
const ctx = (over: Partial<Zaak> = {}, zaaktype = wmo, bsn?: string) => ({
  bron,
  zaak: zaak(over),
  zaaktype,
  caseId,
  ...(bsn ? { bsn } : {}),
});
const status = (type: { url: string }, datumStatusGezet: string): Status => ({
  url: `${oz}/zaken/api/v1/statussen/5e6f7a8b-aaaa-4bbb-8ccc-0d0e0f101112`,
  zaak: zaak().url,
  statustype: type.url,
  datumStatusGezet,
});

function events(mapped: Mapped): PreparedEvent[] {
  if (mapped.kind !== 'events') throw new Error(`expected events, got ${mapped.reden}: ${mapped.detail}`);
  return mapped.events;
}

/** Every event the mapping produces must pass the hub's own contract, as the gateway checks it. */
function expectValid(event: PreparedEvent, source = hubSource(bron)) {
  const result = validateEvent({ specversion: '1.0', source, datacontenttype: 'application/json', ...event });
  expect(result.ok ? [] : result.violations).toEqual([]);
}

describe('ids', () => {
  it('are RFC 9562 version 5 UUIDs (the standard test vector)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
  it('depend on source, kind and resource only', () => {
    expect(ids.opening('a', 'u')).toBe(ids.opening('a', 'u'));
    expect(ids.opening('a', 'u')).not.toBe(ids.opening('b', 'u'));
    expect(ids.opening('a', 'u')).not.toBe(ids.ketenzaak('a', 'u'));
  });
});

describe('dates', () => {
  it('count the day in Europe/Amsterdam', () => {
    expect(amsterdamDate('2026-03-02T23:30:00Z')).toBe('2026-03-03');
    expect(amsterdamDate('2026-07-01T21:59:00Z')).toBe('2026-07-01');
    expect(amsterdamDate('2026-07-01T22:00:00+00:00')).toBe('2026-07-02');
  });
  it('give midnight with the offset of that day (winter and summer time)', () => {
    expect(amsterdamMidnight('2026-01-15')).toBe('2026-01-15T00:00:00+01:00');
    expect(amsterdamMidnight('2026-07-15')).toBe('2026-07-15T00:00:00+02:00');
    // The days the clocks change (at 02:00 and 03:00): midnight still has the old offset.
    expect(amsterdamMidnight('2026-03-29')).toBe('2026-03-29T00:00:00+01:00');
    expect(amsterdamMidnight('2026-10-25')).toBe('2026-10-25T00:00:00+02:00');
    expect(amsterdamMidnight('2026-03-30')).toBe('2026-03-30T00:00:00+02:00');
  });
});

describe('opening', () => {
  it('opens the chain case of a zaak with its identificatie as zaakreferentie, in the zaaktype role', () => {
    const e = openingEvent(bron, zaak(), wmo, caseId);
    expect(e).toEqual({
      id: ids.opening(bron.id, zaak().url),
      type: 'nl.ketens.ketenzaak-geopend',
      subject: caseId,
      time: '2026-03-02T00:00:00+01:00',
      data: {
        domein: 'wmo',
        oin: bron.hub.oin,
        rol: 'gemeente',
        systeem: 'openzaak',
        zaakreferentie: 'ZAAK-2026-0000042',
      },
    });
    expectValid(e);
    const permit = openingEvent(bron, zaak({ zaaktype: zt.ow }), ow, caseId);
    expect(permit.data).toMatchObject({
      domein: 'omgevingswet',
      rol: 'bevoegd-gezag',
      procedure: 'regulier',
    });
    expectValid(permit);
  });
});

describe('status', () => {
  it('maps "Melding ontvangen" by URL to nl.wmo.melding-ontvangen with the BSN of the initiator', () => {
    const [e] = events(
      statusEvent(
        ctx({}, wmo, '999993653'),
        status(statustype('Melding ontvangen'), '2026-03-02T23:30:00Z'),
        statustype('Melding ontvangen'),
      ),
    );
    expect(e?.type).toBe('nl.wmo.melding-ontvangen');
    // The day in Amsterdam, not in UTC; the status's own instant as the event time.
    expect(e?.data).toEqual({ bsn: '999993653', gemeentecode: '0999', meldingsdatum: '2026-03-03' });
    expect(e?.time).toBe('2026-03-02T23:30:00Z');
    expect(e?.id).not.toContain('999993653');
    expectValid(e!);
  });

  it('keeps a melding without a natural person as initiator with reason geen-bsn', () => {
    const mapped = statusEvent(
      ctx(),
      status(statustype('Melding ontvangen'), '2026-03-02T09:00:00Z'),
      statustype('Melding ontvangen'),
    );
    expect(mapped).toMatchObject({ kind: 'geen', reden: 'geen-bsn' });
  });

  it('matches by omschrijving regardless of case, with the configured extra data', () => {
    const type = statustype('Aanvraag ontvangen');
    const [e] = events(statusEvent(ctx(), status(type, '2026-03-20T10:00:00+01:00'), type));
    expect(e).toMatchObject({
      type: 'nl.wmo.aanvraag-ontvangen',
      data: { aanvraagdatum: '2026-03-20', productcategorieen: ['01'] },
    });
    expectValid(e!);
  });

  it('tells an unmapped statustype from one mapped to no event', () => {
    const unknown = statustype('Wacht op informatie');
    expect(statusEvent(ctx(), status(unknown, '2026-03-03T10:00:00Z'), unknown)).toMatchObject({
      kind: 'geen',
      reden: 'statustype-niet-gemapt',
    });
    const none = statustype('In behandeling');
    expect(statusEvent(ctx(), status(none, '2026-03-03T10:00:00Z'), none)).toMatchObject({
      kind: 'geen',
      reden: 'status-zonder-event',
    });
  });

  it('gives the Omgevingswet aanvraag the DSO verzoeknummer from the zaak kenmerk', () => {
    const type = statustype('Ontvangen');
    const permit = ctx({ zaaktype: zt.ow, kenmerken: [{ kenmerk: '2026-0001234', bron: 'DSO' }] }, ow);
    const [e] = events(statusEvent(permit, status(type, '2026-04-01T08:00:00Z'), type));
    expect(e?.data).toEqual({
      verzoeknummer: '2026-0001234',
      ontvangstdatum: '2026-04-01',
      procedure: 'regulier',
      activiteiten: ['bouwen'],
      gemeentecode: '0999',
    });
    expectValid(e!);
    // Without the kenmerk, the identificatie when it is a verzoeknummer; otherwise kept with the reason.
    expect(
      events(
        statusEvent(
          ctx({ zaaktype: zt.ow, identificatie: 'OLO-55' }, ow),
          status(type, '2026-04-01T08:00:00Z'),
          type,
        ),
      )[0]?.data.verzoeknummer,
    ).toBe('OLO-55');
    expect(
      statusEvent(
        ctx({ zaaktype: zt.ow, identificatie: 'ZAAK 2026/12' }, ow),
        status(type, '2026-04-01T08:00:00Z'),
        type,
      ),
    ).toMatchObject({
      reden: 'geen-verzoeknummer',
    });
  });
});

describe('closing', () => {
  const ingetrokken = {
    url: `${oz}/catalogi/api/v1/resultaattypen/ingetrokken`,
    omschrijving: 'Ingetrokken',
  };
  const resultaat = {
    url: `${oz}/zaken/api/v1/resultaten/x`,
    zaak: zaak().url,
    resultaattype: ingetrokken.url,
  };

  it('maps the resultaat of a closed zaak to its closing event on the einddatum, with one id per zaak', () => {
    const closed = ctx({ zaaktype: zt.ow, einddatum: '2026-05-04' }, ow);
    const [e] = events(sluitingEvent(closed, resultaat, ingetrokken));
    expect(e).toMatchObject({
      id: ids.sluiting(bron.id, zaak().url, 'nl.omgevingswet.aanvraag-ingetrokken'),
      type: 'nl.omgevingswet.aanvraag-ingetrokken',
      time: '2026-05-04T00:00:00+02:00',
      data: { intrekkingsdatum: '2026-05-04' },
    });
    expectValid(e!);
  });

  it('maps nothing for an open zaak, an unmapped or event-less resultaattype, or a zaaktype without closings', () => {
    expect(sluitingEvent(ctx({ zaaktype: zt.ow }, ow), resultaat, ingetrokken)).toMatchObject({
      reden: 'geen-sluiting',
    });
    const closed = ctx({ zaaktype: zt.ow, einddatum: '2026-05-04' }, ow);
    expect(sluitingEvent(closed, resultaat, { url: `${oz}/x`, omschrijving: 'Geweigerd' })).toMatchObject({
      reden: 'resultaattype-niet-gemapt',
    });
    expect(sluitingEvent(closed, resultaat, { url: `${oz}/y`, omschrijving: 'verleend' })).toMatchObject({
      reden: 'status-zonder-event',
    });
    expect(sluitingEvent(closed, undefined, undefined)).toMatchObject({ reden: 'geen-sluiting' });
    expect(sluitingEvent(ctx({ einddatum: '2026-05-04' }), resultaat, ingetrokken)).toMatchObject({
      reden: 'sluiting-niet-gemapt',
    });
  });
});

describe('besluit', () => {
  const besluit = (over: Partial<Besluit> = {}): Besluit => ({
    url: `${oz}/besluiten/api/v1/besluiten/9a8b7c6d-aaaa-4bbb-8ccc-0d0e0f101112`,
    identificatie: 'BESLUIT-2026-0007',
    verantwoordelijkeOrganisatie: '002220647',
    besluittype: `${oz}/catalogi/api/v1/besluittypen/b`,
    zaak: zaak().url,
    datum: '2026-03-25',
    ingangsdatum: '2026-04-01',
    vervaldatum: '2027-03-31',
    ...over,
  });

  it('is a beschikking in a WMO chain, with the configured decision and voorzieningen', () => {
    const [e] = events(
      besluitEvent(
        ctx(),
        besluit(),
        { url: 'https://x/b', omschrijving: 'beschikking' },
        '2026-03-25T14:00:00.000000Z',
      ),
    );
    expect(e).toMatchObject({
      id: ids.besluit(bron.id, besluit().url),
      type: 'nl.wmo.beschikking-afgegeven',
      time: '2026-03-25T14:00:00.000000Z',
      data: {
        beschikkingsnummer: 'BESLUIT-2026-0007',
        besluitdatum: '2026-03-25',
        besluit: 'toegekend',
        voorzieningen: [{ productcategorie: '01', ingangsdatum: '2026-04-01', einddatum: '2027-03-31' }],
      },
    });
    expectValid(e!);
  });

  it('is besluit-genomen in an Omgevingswet chain; a besluit on plain http goes without its URL', () => {
    const permit = ctx({ zaaktype: zt.ow }, ow);
    const [e] = events(
      besluitEvent(
        permit,
        besluit(),
        { url: 'https://x/b', omschrijving: 'Omgevingsvergunning' },
        '2026-03-25T14:00:00Z',
      ),
    );
    expect(e).toMatchObject({
      type: 'nl.omgevingswet.besluit-genomen',
      data: { besluitdatum: '2026-03-25', uitkomst: 'verleend', besluitUrl: besluit().url },
    });
    expectValid(e!);
    const [plain] = events(
      besluitEvent(
        permit,
        besluit({ url: 'http://intern/besluiten/1' }),
        { url: 'https://x/b', omschrijving: 'Omgevingsvergunning' },
        '2026-03-25T14:00:00Z',
      ),
    );
    expect(plain?.data).not.toHaveProperty('besluitUrl');
    expect(
      besluitEvent(
        permit,
        besluit(),
        { url: 'https://x/other', omschrijving: 'Handhaving' },
        '2026-03-25T14:00:00Z',
      ),
    ).toMatchObject({
      reden: 'besluittype-niet-gemapt',
    });
  });
});

describe('document', () => {
  const zio: Zaakinformatieobject = {
    url: `${oz}/zaken/api/v1/zaakinformatieobjecten/3c4d5e6f-aaaa-4bbb-8ccc-0d0e0f101112`,
    informatieobject: `${oz}/documenten/api/v1/enkelvoudiginformatieobjecten/7d8e9f0a-aaaa-4bbb-8ccc-0d0e0f101112`,
    zaak: zaak().url,
    titel: '',
    registratiedatum: '2026-03-10T09:15:00Z',
  };
  const eio = (over: Partial<Enkelvoudiginformatieobject> = {}): Enkelvoudiginformatieobject => ({
    url: zio.informatieobject,
    identificatie: 'DOC-2026-000311',
    bronorganisatie: '002220647',
    titel: 'Verslag keukentafelgesprek',
    vertrouwelijkheidaanduiding: 'zaakvertrouwelijk',
    formaat: 'application/pdf',
    bestandsomvang: 48213,
    integriteit: { algoritme: 'sha_256', waarde: 'AB'.repeat(32) },
    ...over,
  });

  it('is a reference to the informatieobject, never its content', () => {
    const [e] = events(documentEvent(ctx(), zio, eio(), '2026-03-10T09:15:01Z'));
    expect(e).toEqual({
      id: ids.document(bron.id, zio.url),
      type: 'nl.ketens.document-toegevoegd',
      subject: caseId,
      time: '2026-03-10T09:15:00Z',
      data: {
        documentId: 'DOC-2026-000311',
        titel: 'Verslag keukentafelgesprek',
        documentUrl: zio.informatieobject,
        mediatype: 'application/pdf',
        vertrouwelijkheid: 'strikt',
        sha256: 'ab'.repeat(32),
        omvangInBytes: 48213,
      },
    });
    expectValid(e!);
  });

  it('maps ZGW confidentiality: openbaar..intern regulier, zaakvertrouwelijk..zeer_geheim strikt', () => {
    expect(Object.keys(vertrouwelijkheidVan).sort()).toEqual([...vertrouwelijkheidaanduidingen].sort());
    const strikt = vertrouwelijkheidaanduidingen.filter((v) => vertrouwelijkheidVan[v] === 'strikt');
    expect(strikt).toEqual(['zaakvertrouwelijk', 'vertrouwelijk', 'confidentieel', 'geheim', 'zeer_geheim']);
  });

  it('takes a media type from formaat when it is one', () => {
    expect(mediatypeOf('application/pdf')).toBe('application/pdf');
    expect(mediatypeOf(' Application/PDF; charset=binary')).toBe('application/pdf');
    expect(mediatypeOf('PDF-bestand')).toBe('application/octet-stream');
    expect(mediatypeOf(undefined)).toBe('application/octet-stream');
  });
});

describe('links', () => {
  const none = new Map<string, string>();
  it('follows a ketenhub kenmerk, then a linked hoofdzaak or related zaak, then the zaaktype', () => {
    const other = '0f1e2d3c-aaaa-4bbb-8ccc-0d0e0f101112';
    expect(
      koppelingVan(bron, zaak({ kenmerken: [{ kenmerk: other, bron: 'Ketenhub' }] }), wmo, none),
    ).toEqual({
      kind: 'gekoppeld',
      caseId: other,
      herkomst: 'kenmerk',
    });
    const melding = `${oz}/zaken/api/v1/zaken/melding`;
    expect(
      koppelingVan(bron, zaak({ hoofdzaak: melding }), undefined, new Map([[melding, other]])),
    ).toMatchObject({
      herkomst: 'hoofdzaak',
    });
    expect(
      koppelingVan(
        bron,
        zaak({ relevanteAndereZaken: [{ url: melding, aardRelatie: 'vervolg' }] }),
        undefined,
        new Map([[melding, other]]),
      ),
    ).toMatchObject({ herkomst: 'relevante-zaak', caseId: other });
    expect(koppelingVan(bron, zaak(), wmo, none)).toEqual({
      kind: 'openen',
      caseId: ids.ketenzaak(bron.id, zaak().url),
    });
    expect(koppelingVan(bron, zaak(), { ...wmo, ketenzaak: 'koppelen' }, none)).toEqual({ kind: 'wachten' });
    expect(koppelingVan(bron, zaak(), undefined, none)).toEqual({ kind: 'onbekend' });
  });
});

describe('BSN', () => {
  it('comes from the natural person who is initiator, not from other rollen', () => {
    expect(
      initiatorBsn([
        { betrokkeneType: 'medewerker', omschrijvingGeneriek: 'behandelaar', betrokkeneIdentificatie: {} },
        {
          betrokkeneType: 'natuurlijk_persoon',
          omschrijvingGeneriek: 'belanghebbende',
          betrokkeneIdentificatie: { inpBsn: '111222333' },
        },
        {
          betrokkeneType: 'natuurlijk_persoon',
          omschrijvingGeneriek: 'initiator',
          betrokkeneIdentificatie: { inpBsn: '999993653' },
        },
      ]),
    ).toBe('999993653');
    expect(
      initiatorBsn([{ betrokkeneType: 'niet_natuurlijk_persoon', omschrijvingGeneriek: 'initiator' }]),
    ).toBeUndefined();
  });
});
