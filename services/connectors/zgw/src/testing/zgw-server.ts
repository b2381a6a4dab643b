import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import type { Vertrouwelijkheidaanduiding } from '../zgw/resources';
import type { TestCertificate } from './tls';

/**
 * A small ZGW installation for tests, the way Open Zaak serves it: Zaken, Catalogi, Besluiten and
 * Documenten API under one host (`/zaken/api/v1`, …), over https, every request authenticated with a
 * ZGW JWT (HS256, `client_id`/`iss`, `iat`) and the Zaken API's zaak reads requiring `Accept-Crs`.
 * The resources have the fields of the APIs' schemas (Zaken API 1.x etc.), not only those the
 * connector reads, so a test fails if the connector trips over a real answer's extra fields.
 *
 * Tests build the state with the helpers (a zaak, its statussen, …) and then send the notifications
 * Open Notificaties would send about it.
 */

type Json = Record<string, unknown>;

export interface ZgwServerOptions {
  certificate: TestCertificate;
  clientId: string;
  secret: string;
  /** Rollen per page of the list endpoint (small, to exercise paging). */
  pageSize?: number;
}

/** A random UUID without a standalone run of nine digits (which the hub would take for a BSN in a URL). */
export function zgwUuid(): string {
  for (;;) {
    const id = randomUUID();
    if (!/(?<!\d)\d{9}(?!\d)/.test(id)) return id;
  }
}

export interface ZgwRequest {
  method: string;
  path: string;
  clientId?: string;
  status: number;
}

export type ZgwServer = Awaited<ReturnType<typeof startZgwServer>>;

export async function startZgwServer(options: ZgwServerOptions) {
  const resources = new Map<string, Json>();
  const requests: ZgwRequest[] = [];
  const pageSize = options.pageSize ?? 2;
  const key = new TextEncoder().encode(options.secret);
  let unavailable = false;
  let base = '';

  const fout = (status: number, code: string, title: string, detail: string, instance: string) => ({
    type: `https://ref.tst.vng.cloud/ref/fouten/${code}/`,
    code,
    title,
    status,
    detail,
    instance,
  });

  async function authenticate(
    header: string | undefined,
  ): Promise<string | { status: number; code: string }> {
    const m = /^Bearer\s+(\S+)$/.exec(header ?? '');
    if (!m?.[1]) return { status: 401, code: 'not_authenticated' };
    try {
      const { payload } = await jwtVerify(m[1], key, { algorithms: ['HS256'], issuer: options.clientId });
      if (payload.client_id !== options.clientId || typeof payload.iat !== 'number') {
        return { status: 403, code: 'permission_denied' };
      }
      // Open Zaak's JWT_EXPIRY: a token older than an hour is refused.
      if (Math.abs(Date.now() / 1000 - payload.iat) > 3600) return { status: 403, code: 'jwt-expired' };
      if (typeof payload.user_id !== 'string') return { status: 403, code: 'permission_denied' };
      return payload.client_id;
    } catch {
      return { status: 403, code: 'permission_denied' };
    }
  }

  // Filled in once the port is known; the request handler reads it.
  let apis = { zaken: '', catalogi: '', besluiten: '', documenten: '' };
  const server: Server = createServer(
    { key: options.certificate.key, cert: options.certificate.cert },
    (req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', base);
        const send = (status: number, body: unknown, clientId?: string) => {
          requests.push({
            method: req.method ?? 'GET',
            path: url.pathname,
            status,
            ...(clientId ? { clientId } : {}),
          });
          res.statusCode = status;
          res.setHeader('content-type', status < 300 ? 'application/json' : 'application/problem+json');
          res.setHeader('api-version', '1.5.0');
          res.end(JSON.stringify(body));
        };
        if (unavailable) {
          send(503, fout(503, 'unavailable', 'Service unavailable', 'maintenance', url.pathname));
          return;
        }
        const who = await authenticate(req.headers.authorization);
        if (typeof who !== 'string') {
          send(who.status, fout(who.status, who.code, 'Geen toegang', 'JWT check failed', url.pathname));
          return;
        }
        if (req.method !== 'GET') {
          send(405, fout(405, 'method_not_allowed', 'Method not allowed', 'read only', url.pathname), who);
          return;
        }
        const list = /^\/zaken\/api\/v1\/(rollen|statussen|resultaten|zaakinformatieobjecten)$/.exec(
          url.pathname,
        );
        if (list) {
          const zaak = url.searchParams.get('zaak');
          const prefix = `${apis.zaken}/${list[1]}/`;
          const all = [...resources.values()].filter(
            (r) => String(r.url).startsWith(prefix) && (!zaak || r.zaak === zaak),
          );
          const page = Number(url.searchParams.get('page') ?? '1');
          const results = all.slice((page - 1) * pageSize, page * pageSize);
          const next = page * pageSize < all.length ? new URL(url) : null;
          next?.searchParams.set('page', String(page + 1));
          const previous = page > 1 ? new URL(url) : null;
          previous?.searchParams.set('page', String(page - 1));
          send(
            200,
            {
              count: all.length,
              next: next?.toString() ?? null,
              previous: previous?.toString() ?? null,
              results,
            },
            who,
          );
          return;
        }
        if (url.pathname.startsWith('/zaken/api/v1/zaken/') && req.headers['accept-crs'] !== 'EPSG:4326') {
          send(
            412,
            fout(
              412,
              'precondition_failed',
              'Precondition failed',
              'Accept-Crs header ontbreekt',
              url.pathname,
            ),
            who,
          );
          return;
        }
        const resource = resources.get(`${base}${url.pathname}`);
        if (!resource) {
          send(404, fout(404, 'not_found', 'Niet gevonden.', 'Niet gevonden.', url.pathname), who);
          return;
        }
        send(200, resource, who);
      })();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  apis = {
    zaken: `${base}/zaken/api/v1`,
    catalogi: `${base}/catalogi/api/v1`,
    besluiten: `${base}/besluiten/api/v1`,
    documenten: `${base}/documenten/api/v1`,
  };
  const catalogus = `${apis.catalogi}/catalogussen/${zgwUuid()}`;

  const put = <T extends Json>(
    api: keyof typeof apis,
    collection: string,
    body: (url: string, uuid: string) => T,
  ): T => {
    const uuid = zgwUuid();
    const url = `${apis[api]}/${collection}/${uuid}`;
    const resource = body(url, uuid);
    resources.set(url, resource);
    return resource;
  };
  const get = (url: string): Json => {
    const r = resources.get(url);
    if (!r) throw new Error(`no resource ${url}`);
    return r;
  };

  return {
    base,
    apis,
    requests,
    /** Every request answers 503 while true (the ZGW API is down). */
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    resource: get,
    remove(url: string) {
      resources.delete(url);
    },

    zaaktype(omschrijving: string, identificatie = `ZT-${omschrijving.slice(0, 8).toUpperCase()}`) {
      return put('catalogi', 'zaaktypen', (url) => ({
        url,
        identificatie,
        omschrijving,
        omschrijvingGeneriek: '',
        vertrouwelijkheidaanduiding: 'zaakvertrouwelijk',
        doel: omschrijving,
        aanleiding: omschrijving,
        indicatieInternOfExtern: 'extern',
        handelingInitiator: 'Aanvragen',
        onderwerp: omschrijving,
        handelingBehandelaar: 'Behandelen',
        doorlooptijd: 'P8W',
        opschortingEnAanhoudingMogelijk: true,
        verlengingMogelijk: true,
        verlengingstermijn: 'P6W',
        publicatieIndicatie: false,
        productenOfDiensten: [],
        referentieproces: { naam: omschrijving, link: '' },
        catalogus,
        statustypen: [],
        resultaattypen: [],
        besluittypen: [],
        informatieobjecttypen: [],
        beginGeldigheid: '2026-01-01',
        versiedatum: '2026-01-01',
        concept: false,
      }));
    },

    statustype(zaaktype: string, omschrijving: string, volgnummer: number, isEindstatus = false) {
      const type = put('catalogi', 'statustypen', (url) => ({
        url,
        omschrijving,
        omschrijvingGeneriek: '',
        statustekst: '',
        zaaktype,
        zaaktypeIdentificatie: String(get(zaaktype).identificatie),
        volgnummer,
        isEindstatus,
        informeren: false,
        doorlooptijd: null,
        toelichting: null,
        checklistitemStatustype: [],
        catalogus,
        eigenschappen: [],
        zaakobjecttypen: [],
        beginGeldigheid: null,
        eindeGeldigheid: null,
        beginObject: null,
        eindeObject: null,
      }));
      (get(zaaktype).statustypen as string[]).push(type.url);
      return type;
    },

    resultaattype(zaaktype: string, omschrijving: string) {
      const type = put('catalogi', 'resultaattypen', (url) => ({
        url,
        zaaktype,
        zaaktypeIdentificatie: String(get(zaaktype).identificatie),
        omschrijving,
        resultaattypeomschrijving:
          'https://selectielijst.openzaak.nl/api/v1/resultaattypeomschrijvingen/e6a0c939-3404-45b0-88e3-76c94fb80ea7',
        omschrijvingGeneriek: omschrijving,
        selectielijstklasse:
          'https://selectielijst.openzaak.nl/api/v1/resultaten/afa30940-855b-4a7e-aa21-9e15a8078814',
        toelichting: '',
        archiefnominatie: 'vernietigen',
        archiefactietermijn: 'P10Y',
        brondatumArchiefprocedure: {
          afleidingswijze: 'afgehandeld',
          datumkenmerk: '',
          einddatumBekend: false,
          objecttype: '',
          registratie: '',
          procestermijn: null,
        },
        catalogus,
        besluittypen: [],
        informatieobjecttypen: [],
        beginGeldigheid: null,
        eindeGeldigheid: null,
      }));
      (get(zaaktype).resultaattypen as string[]).push(type.url);
      return type;
    },

    besluittype(zaaktype: string, omschrijving: string) {
      const type = put('catalogi', 'besluittypen', (url) => ({
        url,
        catalogus,
        zaaktypen: [zaaktype],
        omschrijving,
        omschrijvingGeneriek: '',
        besluitcategorie: '',
        reactietermijn: 'P6W',
        publicatieIndicatie: true,
        publicatietekst: '',
        publicatietermijn: null,
        toelichting: '',
        informatieobjecttypen: [],
        beginGeldigheid: '2026-01-01',
        eindeGeldigheid: null,
        concept: false,
      }));
      (get(zaaktype).besluittypen as string[]).push(type.url);
      return type;
    },

    zaak(
      zaaktype: string,
      fields: { identificatie: string; registratiedatum: string; bronorganisatie?: string } & Json,
    ) {
      const { identificatie, registratiedatum, bronorganisatie = '002220647', ...rest } = fields;
      return put('zaken', 'zaken', (url, uuid) => ({
        url,
        uuid,
        identificatie,
        bronorganisatie,
        omschrijving: String(get(zaaktype).omschrijving),
        toelichting: '',
        zaaktype,
        registratiedatum,
        verantwoordelijkeOrganisatie: bronorganisatie,
        startdatum: registratiedatum,
        einddatum: null,
        einddatumGepland: null,
        uiterlijkeEinddatumAfdoening: null,
        publicatiedatum: null,
        communicatiekanaal: '',
        communicatiekanaalNaam: '',
        productenOfDiensten: [],
        vertrouwelijkheidaanduiding: 'zaakvertrouwelijk',
        betalingsindicatie: '',
        betalingsindicatieWeergave: '',
        laatsteBetaaldatum: null,
        zaakgeometrie: null,
        verlenging: null,
        opschorting: { indicatie: false, reden: '' },
        selectielijstklasse: '',
        hoofdzaak: null,
        deelzaken: [],
        relevanteAndereZaken: [],
        eigenschappen: [],
        rollen: [],
        status: null,
        zaakinformatieobjecten: [],
        zaakobjecten: [],
        kenmerken: [],
        archiefnominatie: null,
        archiefstatus: 'nog_te_archiveren',
        archiefactiedatum: null,
        resultaat: null,
        opdrachtgevendeOrganisatie: '',
        processobjectaard: '',
        resultaattoelichting: '',
        startdatumBewaartermijn: null,
        processobject: null,
        ...rest,
      }));
    },

    /** A natural person as the zaak's initiator (Aanvrager), with a BSN. */
    initiator(zaak: Json, bsn: string, roltype = `${apis.catalogi}/roltypen/${zgwUuid()}`) {
      const rol = put('zaken', 'rollen', (url, uuid) => ({
        url,
        uuid,
        zaak: zaak.url,
        betrokkene: '',
        betrokkeneType: 'natuurlijk_persoon',
        afwijkendeNaamBetrokkene: '',
        roltype,
        omschrijving: 'Aanvrager',
        omschrijvingGeneriek: 'initiator',
        roltoelichting: 'Aanvrager',
        registratiedatum: `${zaak.registratiedatum}T08:00:00Z`,
        indicatieMachtiging: '',
        contactpersoonRol: null,
        statussen: [],
        betrokkeneIdentificatie: {
          inpBsn: bsn,
          anpIdentificatie: '',
          inpA_nummer: '',
          geslachtsnaam: 'Jansen',
          voorvoegselGeslachtsnaam: '',
          voorletters: 'J.',
          voornamen: 'Jan',
          geslachtsaanduiding: 'm',
          geboortedatum: '1948-03-01',
          verblijfsadres: null,
          subVerblijfBuitenland: null,
        },
      }));
      (zaak.rollen as string[]).push(String(rol.url));
      return rol;
    },

    /** Another rol (a behandelaar, a medewerker): the connector must pick the initiator, not these. */
    medewerker(zaak: Json) {
      const rol = put('zaken', 'rollen', (url, uuid) => ({
        url,
        uuid,
        zaak: zaak.url,
        betrokkene: '',
        betrokkeneType: 'medewerker',
        afwijkendeNaamBetrokkene: '',
        roltype: `${apis.catalogi}/roltypen/${zgwUuid()}`,
        omschrijving: 'Behandelaar',
        omschrijvingGeneriek: 'behandelaar',
        roltoelichting: 'Consulent Wmo',
        registratiedatum: `${zaak.registratiedatum}T08:00:00Z`,
        indicatieMachtiging: '',
        contactpersoonRol: null,
        statussen: [],
        betrokkeneIdentificatie: {
          identificatie: 'consulent-7',
          achternaam: 'Visser',
          voorletters: 'A.',
          voorvoegselAchternaam: '',
        },
      }));
      (zaak.rollen as string[]).push(String(rol.url));
      return rol;
    },

    /**
     * A status on the zaak. A final status closes the zaak the way Open Zaak does: einddatum is the day
     * of datumStatusGezet, and the zaak must have a resultaat first.
     */
    status(zaak: Json, statustype: Json, datumStatusGezet: string, statustoelichting = '') {
      if (statustype.isEindstatus && !zaak.resultaat)
        throw new Error('Open Zaak refuses a final status without resultaat');
      const status = put('zaken', 'statussen', (url, uuid) => ({
        url,
        uuid,
        zaak: zaak.url,
        statustype: statustype.url,
        datumStatusGezet,
        statustoelichting,
        indicatieLaatstGezetteStatus: true,
        gezetdoor: null,
        zaakinformatieobjecten: [],
      }));
      zaak.status = status.url;
      if (statustype.isEindstatus) zaak.einddatum = datumStatusGezet.slice(0, 10);
      return status;
    },

    resultaat(zaak: Json, resultaattype: Json, toelichting = '') {
      const resultaat = put('zaken', 'resultaten', (url, uuid) => ({
        url,
        uuid,
        zaak: zaak.url,
        resultaattype: resultaattype.url,
        toelichting,
      }));
      zaak.resultaat = resultaat.url;
      return resultaat;
    },

    besluit(
      zaak: Json | null,
      besluittype: Json,
      fields: { identificatie: string; datum: string; ingangsdatum?: string; vervaldatum?: string | null },
    ) {
      return put('besluiten', 'besluiten', (url) => ({
        url,
        identificatie: fields.identificatie,
        verantwoordelijkeOrganisatie: '002220647',
        besluittype: besluittype.url,
        zaak: zaak ? zaak.url : '',
        datum: fields.datum,
        toelichting: '',
        bestuursorgaan: 'College van B&W',
        ingangsdatum: fields.ingangsdatum ?? fields.datum,
        vervaldatum: fields.vervaldatum ?? null,
        vervalreden: '',
        vervalredenWeergave: '',
        publicatiedatum: null,
        verzenddatum: null,
        uiterlijkeReactiedatum: null,
      }));
    },

    /** An informatieobject in the Documenten API, linked to the zaak (zaakinformatieobject). */
    document(
      zaak: Json,
      fields: {
        identificatie: string;
        titel: string;
        vertrouwelijkheidaanduiding: Vertrouwelijkheidaanduiding;
        formaat?: string;
        registratiedatum: string;
        sha256?: string;
        bestandsomvang?: number;
      },
    ) {
      const eio = put('documenten', 'enkelvoudiginformatieobjecten', (url) => ({
        url,
        identificatie: fields.identificatie,
        bronorganisatie: '002220647',
        creatiedatum: fields.registratiedatum.slice(0, 10),
        titel: fields.titel,
        vertrouwelijkheidaanduiding: fields.vertrouwelijkheidaanduiding,
        auteur: 'Gemeente Voorbeeldstad',
        status: 'definitief',
        formaat: fields.formaat ?? 'application/pdf',
        taal: 'nld',
        versie: 1,
        beginRegistratie: fields.registratiedatum,
        bestandsnaam: `${fields.identificatie}.pdf`,
        inhoud: `${url}/download?versie=1`,
        bestandsomvang: fields.bestandsomvang ?? 48213,
        link: '',
        beschrijving: '',
        ontvangstdatum: null,
        verzenddatum: null,
        indicatieGebruiksrecht: false,
        verschijningsvorm: '',
        ondertekening: { soort: '', datum: null },
        integriteit: fields.sha256
          ? { algoritme: 'sha_256', waarde: fields.sha256, datum: fields.registratiedatum.slice(0, 10) }
          : { algoritme: '', waarde: '', datum: null },
        informatieobjecttype: `${apis.catalogi}/informatieobjecttypen/${zgwUuid()}`,
        locked: false,
        bestandsdelen: [],
        trefwoorden: [],
      }));
      const zio = put('zaken', 'zaakinformatieobjecten', (url, uuid) => ({
        url,
        uuid,
        informatieobject: eio.url,
        zaak: zaak.url,
        aardRelatieWeergave: 'Hoort bij, omgekeerd: kent',
        titel: '',
        beschrijving: '',
        registratiedatum: fields.registratiedatum,
        vernietigingsdatum: null,
        status: null,
      }));
      (zaak.zaakinformatieobjecten as string[]).push(String(zio.url));
      return { eio, zio };
    },

    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
