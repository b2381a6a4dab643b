import type { EventType } from '@ketenhub/events';
import {
  type BesluitMapping,
  type Bron,
  type ResultaatMapping,
  rolOf,
  type StatusMapping,
  type ZaaktypeMapping,
} from '../config/config';
import type {
  Besluit,
  Enkelvoudiginformatieobject,
  Resultaat,
  Resultaattype,
  Status,
  Statustype,
  Vertrouwelijkheidaanduiding,
  Zaak,
  Zaakinformatieobject,
} from '../zgw/resources';
import { amsterdamDate, amsterdamMidnight } from './dates';
import { type FeitType, feitDefinition, verzoeknummerOf } from './feiten';
import { ids } from './ids';
import type { Reden } from './redenen';

/**
 * The pure part of the intake: ZGW resources in, hub events (or the reason there are none) out. No
 * I/O, no clock, no randomness: the worker fetches what these functions ask for and passes it in, so
 * the same resources always give the same events with the same ids and content.
 */

/** An event as the connector publishes it; the client adds specversion, source and datacontenttype. */
export interface PreparedEvent {
  id: string;
  type: EventType;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

export type Mapped =
  | { kind: 'events'; events: PreparedEvent[] }
  | { kind: 'geen'; reden: Reden; detail: string };

const geen = (reden: Reden, detail: string): Mapped => ({ kind: 'geen', reden, detail });

/** The opening of a new chain case for a zaak of a zaaktype with `ketenzaak: openen`. */
export function openingEvent(
  bron: Bron,
  zaak: Zaak,
  zaaktype: ZaaktypeMapping,
  caseId: string,
): PreparedEvent {
  return {
    id: ids.opening(bron.id, zaak.url),
    type: 'nl.ketens.ketenzaak-geopend',
    subject: caseId,
    time: amsterdamMidnight(zaak.registratiedatum),
    data: {
      domein: zaaktype.domein,
      oin: bron.hub.oin,
      rol: rolOf(bron, zaaktype),
      systeem: bron.hub.systeem,
      zaakreferentie: zaak.identificatie,
      ...(zaaktype.procedure ? { procedure: zaaktype.procedure } : {}),
    },
  };
}

const sameText = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The entry for a ZGW type: by URL first, then by omschrijving. */
function findByType<E extends { omschrijving?: string | undefined }>(
  entries: readonly E[],
  urlOf: (e: E) => string | undefined,
  type: { url: string; omschrijving?: string | undefined },
): E | undefined {
  return (
    entries.find((e) => urlOf(e) === type.url) ??
    entries.find((e) => sameText(e.omschrijving, type.omschrijving))
  );
}

export function findStatusMapping(
  zaaktype: ZaaktypeMapping,
  statustype: Statustype,
): StatusMapping | undefined {
  return findByType(zaaktype.statussen, (e) => e.statustype, statustype);
}

export function findResultaatMapping(
  zaaktype: ZaaktypeMapping,
  resultaattype: Resultaattype,
): ResultaatMapping | undefined {
  return findByType(zaaktype.resultaten, (e) => e.resultaattype, resultaattype);
}

export function findBesluitMapping(
  zaaktype: ZaaktypeMapping,
  besluittype: { url: string; omschrijving?: string | undefined },
): BesluitMapping | undefined {
  return findByType(zaaktype.besluiten, (e) => e.besluittype, besluittype);
}

/** Whether building this fact needs the initiator's BSN (the worker then fetches the zaak's rollen). */
export function needsBsn(event: FeitType | null): boolean {
  return event !== null && feitDefinition(event).bsn === true;
}

interface FeitContext {
  bron: Bron;
  zaak: Zaak;
  zaaktype: ZaaktypeMapping;
  caseId: string;
  bsn?: string | undefined;
}

function buildFeit(
  ctx: FeitContext,
  event: FeitType,
  extra: Record<string, unknown>,
  datum: string,
  toelichting: string | undefined,
  id: string,
  time: string,
): Mapped {
  const verzoeknummer = verzoeknummerOf(ctx.zaak, ctx.bron.verzoeknummerKenmerk);
  const built = feitDefinition(event).build({
    datum,
    zaak: ctx.zaak,
    extra,
    ...(ctx.bron.gemeentecode ? { gemeentecode: ctx.bron.gemeentecode } : {}),
    ...(ctx.zaaktype.procedure ? { procedure: ctx.zaaktype.procedure } : {}),
    ...(verzoeknummer ? { verzoeknummer } : {}),
    ...(ctx.bsn ? { bsn: ctx.bsn } : {}),
    ...(toelichting?.trim() ? { toelichting: toelichting.trim() } : {}),
  });
  if (!built.ok) return geen(built.reden, built.detail);
  return { kind: 'events', events: [{ id, type: event, subject: ctx.caseId, time, data: built.data }] };
}

/**
 * A status of a linked zaak: the lifecycle event its statustype maps to, on the day the status was
 * set (Europe/Amsterdam). Closing (a final status) is {@link sluitingEvent}'s, called separately.
 */
export function statusEvent(ctx: FeitContext, status: Status, statustype: Statustype): Mapped {
  const mapping = findStatusMapping(ctx.zaaktype, statustype);
  if (!mapping) {
    return geen(
      'statustype-niet-gemapt',
      `statustype "${statustype.omschrijving}" (${statustype.url}) has no entry in statussen of its zaaktype`,
    );
  }
  if (mapping.event === null) {
    return geen('status-zonder-event', `statustype "${statustype.omschrijving}" maps to no event`);
  }
  return buildFeit(
    ctx,
    mapping.event,
    mapping.data,
    amsterdamDate(status.datumStatusGezet),
    status.statustoelichting,
    ids.status(ctx.bron.id, status.url, mapping.event),
    status.datumStatusGezet,
  );
}

/**
 * The closing fact of a zaak, by its resultaat's type, on its einddatum. The same id and content
 * whichever notification noticed the closing (the final status, the zaak update, the resultaat).
 */
export function sluitingEvent(
  ctx: FeitContext,
  resultaat: Resultaat | undefined,
  resultaattype: Resultaattype | undefined,
): Mapped {
  const einddatum = ctx.zaak.einddatum;
  if (!einddatum) return geen('geen-sluiting', 'the zaak has no einddatum');
  if (ctx.zaaktype.resultaten.length === 0) {
    return geen('sluiting-niet-gemapt', 'the zaaktype maps no resultaat to a closing event');
  }
  if (!resultaat || !resultaattype) return geen('geen-sluiting', 'the closed zaak has no resultaat yet');
  const mapping = findResultaatMapping(ctx.zaaktype, resultaattype);
  if (!mapping) {
    return geen(
      'resultaattype-niet-gemapt',
      `resultaattype "${resultaattype.omschrijving}" (${resultaattype.url}) has no entry in resultaten of its zaaktype`,
    );
  }
  if (mapping.event === null) {
    return geen('status-zonder-event', `resultaattype "${resultaattype.omschrijving}" maps to no event`);
  }
  return buildFeit(
    ctx,
    mapping.event,
    mapping.data,
    einddatum,
    resultaat.toelichting || resultaattype.omschrijving,
    ids.sluiting(ctx.bron.id, ctx.zaak.url, mapping.event),
    amsterdamMidnight(einddatum),
  );
}

/**
 * A besluit on a linked zaak: `nl.wmo.beschikking-afgegeven` in a WMO chain, `nl.omgevingswet.
 * besluit-genomen` in an Omgevingswet chain. What the besluit decided is not in the Besluiten API: it
 * is configured per besluittype.
 */
export function besluitEvent(
  ctx: FeitContext,
  besluit: Besluit,
  besluittype: { url: string; omschrijving?: string | undefined },
  aanmaakdatum: string,
): Mapped {
  const mapping = findBesluitMapping(ctx.zaaktype, besluittype);
  if (!mapping) {
    return geen(
      'besluittype-niet-gemapt',
      `besluittype ${besluittype.omschrijving ? `"${besluittype.omschrijving}" ` : ''}(${besluittype.url}) has no entry in besluiten of its zaaktype`,
    );
  }
  const base = { id: ids.besluit(ctx.bron.id, besluit.url), subject: ctx.caseId, time: aanmaakdatum };
  if (ctx.zaaktype.domein === 'wmo') {
    return {
      kind: 'events',
      events: [
        {
          ...base,
          type: 'nl.wmo.beschikking-afgegeven',
          data: {
            beschikkingsnummer: besluit.identificatie,
            besluitdatum: besluit.datum,
            besluit: mapping.besluit,
            voorzieningen: mapping.voorzieningen.map((v) => ({
              productcategorie: v.productcategorie,
              ...(v.productcode ? { productcode: v.productcode } : {}),
              ingangsdatum: besluit.ingangsdatum,
              ...(besluit.vervaldatum ? { einddatum: besluit.vervaldatum } : {}),
            })),
          },
        },
      ],
    };
  }
  return {
    kind: 'events',
    events: [
      {
        ...base,
        type: 'nl.omgevingswet.besluit-genomen',
        data: {
          besluitdatum: besluit.datum,
          uitkomst: mapping.uitkomst,
          // A reference must be https; a besluit on plain http is published without it.
          ...(besluit.url.startsWith('https://') ? { besluitUrl: besluit.url } : {}),
        },
      },
    ],
  };
}

/**
 * ZGW's eight confidentiality levels onto the hub's two: what any participant may see (`regulier`)
 * and what only participants with full access may see (`strikt`, DSO "VT"). `zaakvertrouwelijk`
 * means "for those who work on the zaak": in a chain that is the partners with full access.
 */
export const vertrouwelijkheidVan: Record<Vertrouwelijkheidaanduiding, 'regulier' | 'strikt'> = {
  openbaar: 'regulier',
  beperkt_openbaar: 'regulier',
  intern: 'regulier',
  zaakvertrouwelijk: 'strikt',
  vertrouwelijk: 'strikt',
  confidentieel: 'strikt',
  geheim: 'strikt',
  zeer_geheim: 'strikt',
};

const mediatypePattern = /^[a-z]+\/[a-z0-9.+-]+$/;

/** The Documenten API's `formaat` is free text; the hub wants a media type. */
export function mediatypeOf(formaat: string | undefined): string {
  const value = (formaat ?? '').trim().toLowerCase().split(';')[0]?.trim() ?? '';
  return mediatypePattern.test(value) ? value : 'application/octet-stream';
}

/**
 * A document linked to the zaak, as a reference: the informatieobject's URL in the Documenten API, never
 * its content. Partners fetch it there with their own ZGW authorisation.
 */
export function documentEvent(
  ctx: { bron: Bron; caseId: string },
  zio: Zaakinformatieobject,
  eio: Enkelvoudiginformatieobject,
  aanmaakdatum: string,
): Mapped {
  const sha = eio.integriteit?.algoritme === 'sha_256' ? eio.integriteit.waarde?.toLowerCase() : undefined;
  const titel = (zio.titel?.trim() || eio.titel).slice(0, 200);
  return {
    kind: 'events',
    events: [
      {
        id: ids.document(ctx.bron.id, zio.url),
        type: 'nl.ketens.document-toegevoegd',
        subject: ctx.caseId,
        time: zio.registratiedatum ?? aanmaakdatum,
        data: {
          documentId:
            eio.identificatie || (eio.url.split('/').filter(Boolean).pop() ?? eio.url).slice(0, 100),
          titel,
          documentUrl: eio.url,
          mediatype: mediatypeOf(eio.formaat),
          vertrouwelijkheid: vertrouwelijkheidVan[eio.vertrouwelijkheidaanduiding],
          ...(sha && /^[0-9a-f]{64}$/.test(sha) ? { sha256: sha } : {}),
          ...(typeof eio.bestandsomvang === 'number' && eio.bestandsomvang >= 0
            ? { omvangInBytes: eio.bestandsomvang }
            : {}),
        },
      },
    ],
  };
}

/**
 * The BSN of the zaak's initiator, when that is a natural person. Only ever passed into event data:
 * never logged, never part of a key, id, attribute or URL.
 */
export function initiatorBsn(
  rollen: readonly {
    betrokkeneType: string;
    omschrijvingGeneriek?: string | undefined;
    betrokkeneIdentificatie?: { inpBsn?: string | undefined } | null | undefined;
  }[],
): string | undefined {
  const persons = rollen.filter(
    (r) => r.betrokkeneType === 'natuurlijk_persoon' && r.betrokkeneIdentificatie?.inpBsn,
  );
  const initiator = persons.find((r) => r.omschrijvingGeneriek === 'initiator') ?? undefined;
  return initiator?.betrokkeneIdentificatie?.inpBsn ?? undefined;
}
