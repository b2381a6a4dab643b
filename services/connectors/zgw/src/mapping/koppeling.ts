import { isUuid } from '@ketenhub/events';
import type { Bron, ZaaktypeMapping } from '../config/config';
import type { Zaak } from '../zgw/resources';
import { ids } from './ids';

/** How a zaak came to belong to a chain case. */
export const herkomsten = ['integrator', 'zaaktype', 'kenmerk', 'hoofdzaak', 'relevante-zaak'] as const;
export type Herkomst = (typeof herkomsten)[number];

export type Koppeling =
  /** The zaak belongs to an existing chain case, found through the zaak itself. */
  | { kind: 'gekoppeld'; caseId: string; herkomst: Exclude<Herkomst, 'integrator' | 'zaaktype'> }
  /** The zaak opens a new chain case: its id is derived from the zaak URL, so it is the same every time. */
  | { kind: 'openen'; caseId: string }
  /** The zaaktype says its zaken join a case opened elsewhere; wait for a link. */
  | { kind: 'wachten' }
  /** The zaaktype is not configured and nothing links the zaak. */
  | { kind: 'onbekend' };

/**
 * Decides the chain case of a zaak that has no link yet, in this order: a kenmerk that names the
 * chain case (a zaaksysteem that knows it, e.g. a zaak made from a hub webhook), a linked hoofdzaak,
 * a linked related zaak (a WMO aanvraag-zaak next to its melding-zaak), and only then the zaaktype's
 * rule. An explicit link by the integrator is looked up before this and always wins.
 *
 * `linked` answers which chain case a zaak URL is linked to, from the connector's links table.
 */
export function koppelingVan(
  bron: Bron,
  zaak: Zaak,
  zaaktype: ZaaktypeMapping | undefined,
  linked: ReadonlyMap<string, string>,
): Koppeling {
  const kenmerkBron = bron.ketenzaakKenmerk.toLowerCase();
  const kenmerk = zaak.kenmerken?.find(
    (k) => k.bron.trim().toLowerCase() === kenmerkBron && isUuid(k.kenmerk.trim()),
  );
  if (kenmerk)
    return { kind: 'gekoppeld', caseId: kenmerk.kenmerk.trim().toLowerCase(), herkomst: 'kenmerk' };
  const viaHoofdzaak = zaak.hoofdzaak ? linked.get(zaak.hoofdzaak) : undefined;
  if (viaHoofdzaak) return { kind: 'gekoppeld', caseId: viaHoofdzaak, herkomst: 'hoofdzaak' };
  for (const relevant of zaak.relevanteAndereZaken ?? []) {
    const caseId = linked.get(relevant.url);
    if (caseId) return { kind: 'gekoppeld', caseId, herkomst: 'relevante-zaak' };
  }
  if (!zaaktype) return { kind: 'onbekend' };
  if (zaaktype.ketenzaak === 'koppelen') return { kind: 'wachten' };
  return { kind: 'openen', caseId: ids.ketenzaak(bron.id, zaak.url) };
}

/** The zaak URLs {@link koppelingVan} may look up in the links table. */
export function gerelateerdeZaken(zaak: Zaak): string[] {
  return [
    ...(zaak.hoofdzaak ? [zaak.hoofdzaak] : []),
    ...(zaak.relevanteAndereZaken ?? []).map((r) => r.url),
  ];
}
