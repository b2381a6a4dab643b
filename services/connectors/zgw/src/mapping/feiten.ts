import {
  type CaseDomain,
  gemeentecodeSchema,
  type Procedure,
  productcategorieSchema,
} from '@ketenhub/events';
import { z } from 'zod';
import type { Zaak } from '../zgw/resources';

/**
 * Lifecycle facts a zaak status (or, when the zaak closes, its resultaat) can become: the hub event
 * type, its domain, what the integrator must add in the configuration because no ZGW resource
 * carries it (`extra`), and how its data is built from the ZGW resources. The table is the whole
 * mapping of statuses; docs/zgw.md shows it to integrators.
 *
 * Every other hub event needs facts ZGW does not hold (iWmo messages, advice, consent, publication):
 * those come from the systems that hold them, not from this connector.
 */

/** What a builder gets: the fact's day, the zaak, and what the connector fetched or was configured with. */
export interface FeitInput {
  /** The day of the fact in Europe/Amsterdam: the status's datumStatusGezet, or the zaak's einddatum. */
  datum: string;
  zaak: Zaak;
  /** The source's gemeentecode (configuration), for WMO facts that carry one. */
  gemeentecode?: string;
  procedure?: Procedure;
  /** The DSO verzoeknummer: the zaak's kenmerk from the configured bron, else its identificatie. */
  verzoeknummer?: string;
  /** The initiator's BSN (a natural person's rol); present only when the fact needs it. */
  bsn?: string;
  /** statustoelichting or the resultaat's toelichting, else the type's omschrijving. */
  toelichting?: string;
  /** Fields the configuration adds (`data` of the mapping entry), checked against `extra` at start. */
  extra: Record<string, unknown>;
}

/** A fact's data, or why it cannot be built from what ZGW gave. */
export type Built =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; reden: 'geen-bsn' | 'geen-verzoeknummer' | 'geen-gemeentecode'; detail: string };

export interface FeitDefinition {
  domein: CaseDomain;
  /** The builder needs the initiator's BSN: the connector fetches the zaak's rollen for it. */
  bsn?: true;
  /** What the configuration must or may add; `undefined` accepts nothing. */
  extra?: z.ZodType<Record<string, unknown>>;
  build(input: FeitInput): Built;
}

const gemeentecodeExtra = z.strictObject({ gemeentecode: gemeentecodeSchema.optional() });

function gemeentecodeOf(input: FeitInput): string | undefined {
  return (input.extra.gemeentecode as string | undefined) ?? input.gemeentecode;
}

function withVerzoeknummer(input: FeitInput, build: (nummer: string) => Record<string, unknown>): Built {
  if (!input.verzoeknummer) {
    return {
      ok: false,
      reden: 'geen-verzoeknummer',
      detail: 'the zaak has no DSO verzoeknummer (kenmerk) and its identificatie is not one',
    };
  }
  return { ok: true, data: build(input.verzoeknummer) };
}

export const feiten = {
  'nl.wmo.melding-ontvangen': {
    domein: 'wmo',
    bsn: true,
    extra: gemeentecodeExtra,
    build(input) {
      if (!input.bsn) {
        return {
          ok: false,
          reden: 'geen-bsn',
          detail:
            'the zaak has no rol of a natural person as initiator with a BSN (betrokkeneIdentificatie.inpBsn)',
        };
      }
      const gemeentecode = gemeentecodeOf(input);
      if (!gemeentecode) {
        return { ok: false, reden: 'geen-gemeentecode', detail: 'configure gemeentecode for this source' };
      }
      return { ok: true, data: { bsn: input.bsn, gemeentecode, meldingsdatum: input.datum } };
    },
  },
  'nl.wmo.onderzoek-gestart': {
    domein: 'wmo',
    build: (input) => ({ ok: true, data: { startdatum: input.datum } }),
  },
  'nl.wmo.onderzoek-afgerond': {
    domein: 'wmo',
    // Whether the citizen got the verslag is not in any ZGW resource: the integrator states it per status.
    extra: z.strictObject({ verslagVerstrekt: z.boolean() }),
    build: (input) => ({
      ok: true,
      data: { einddatum: input.datum, verslagVerstrekt: input.extra.verslagVerstrekt },
    }),
  },
  'nl.wmo.aanvraag-ontvangen': {
    domein: 'wmo',
    // The product categories applied for are not in the zaak; a zaaktype usually stands for one voorziening.
    extra: z.strictObject({ productcategorieen: z.array(productcategorieSchema).min(1) }),
    build: (input) => ({
      ok: true,
      data: { aanvraagdatum: input.datum, productcategorieen: input.extra.productcategorieen },
    }),
  },
  'nl.omgevingswet.conceptverzoek-ontvangen': {
    domein: 'omgevingswet',
    build: (input) =>
      withVerzoeknummer(input, (verzoeknummer) => ({ verzoeknummer, ontvangstdatum: input.datum })),
  },
  'nl.omgevingswet.aanvraag-ontvangen': {
    domein: 'omgevingswet',
    extra: z.strictObject({
      activiteiten: z.array(z.string().min(1).max(200)).min(1),
      gemeentecode: gemeentecodeSchema.optional(),
    }),
    build: (input) =>
      withVerzoeknummer(input, (verzoeknummer) => {
        const gemeentecode = gemeentecodeOf(input);
        return {
          verzoeknummer,
          ontvangstdatum: input.datum,
          procedure: input.procedure,
          activiteiten: input.extra.activiteiten,
          ...(gemeentecode ? { gemeentecode } : {}),
        };
      }),
  },
  'nl.omgevingswet.ontvangst-bevestigd': {
    domein: 'omgevingswet',
    build: (input) =>
      withVerzoeknummer(input, (verzoeknummer) => ({ verzoeknummer, bevestigingsdatum: input.datum })),
  },
  'nl.omgevingswet.aanvulling-ontvangen': {
    domein: 'omgevingswet',
    build: (input) => ({ ok: true, data: { ontvangstdatum: input.datum } }),
  },
  'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld': {
    domein: 'omgevingswet',
    extra: z.strictObject({ reden: z.string().min(1).max(1000).optional() }),
    build: (input) => ({
      ok: true,
      data: {
        besluitdatum: input.datum,
        reden: (input.extra.reden as string | undefined) ?? input.toelichting ?? 'buiten behandeling gesteld',
      },
    }),
  },
  'nl.omgevingswet.aanvraag-ingetrokken': {
    domein: 'omgevingswet',
    build: (input) => ({ ok: true, data: { intrekkingsdatum: input.datum } }),
  },
} as const satisfies Record<string, FeitDefinition>;

export type FeitType = keyof typeof feiten;
export const feitTypes = Object.keys(feiten) as FeitType[];

export function feitDefinition(type: FeitType): FeitDefinition {
  return feiten[type];
}

/** DSO verzoeknummer grammar of the Omgevingswet catalog. */
const verzoeknummerPattern = /^[A-Za-z0-9-]{1,40}$/;

/**
 * The DSO verzoeknummer of a zaak: Open Zaak keeps it as a zaak kenmerk (`kenmerken[].bron` = the
 * configured bron, `DSO` by default); a zaaksysteem that numbers its zaken by the verzoeknummer has it
 * as the identificatie.
 */
export function verzoeknummerOf(zaak: Zaak, kenmerkBron: string): string | undefined {
  const bron = kenmerkBron.toLowerCase();
  const kenmerk = zaak.kenmerken?.find((k) => k.bron.trim().toLowerCase() === bron)?.kenmerk.trim();
  if (kenmerk && verzoeknummerPattern.test(kenmerk)) return kenmerk;
  return verzoeknummerPattern.test(zaak.identificatie) ? zaak.identificatie : undefined;
}
