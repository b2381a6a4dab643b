import { type CaseDomain, caseDomains, definitionsOf, isEventType } from '@ketenhub/events';
import { type HubEventKop, hubKenmerken, kenmerkenVan } from './uit-hub';

/**
 * The hub's kanalen as a Notificaties API sees them: one per chain domain (`wmo`, `omgevingswet`).
 * A kanaal carries every event of a chain case of that domain, the chain-level `nl.ketens.*` events
 * included (they travel on their case's domain topic, so one case stays one ordered stream).
 */
export const hubKanalen: readonly CaseDomain[] = caseDomains;

export const isHubKanaal = (naam: string): naam is CaseDomain =>
  (hubKanalen as readonly string[]).includes(naam);

/**
 * The kenmerken an abonnement may filter on. `zaakreferentie` is a kenmerk but no filter: it is the
 * receiver's own case number, known only when the case is sent to that receiver, so it cannot
 * choose what is queued for it.
 */
export const filterKenmerken = hubKenmerken.filter((k) => k !== 'zaakreferentie');

/** The event types a kanaal carries: its domain's and the chain-level ones. */
export function typesVanKanaal(kanaal: CaseDomain): string[] {
  return [...definitionsOf('ketens'), ...definitionsOf(kanaal)].map((d) => d.type);
}

/** One entry of an abonnement's `kanalen`, after validation. */
export interface KanaalFilter {
  naam: CaseDomain;
  filters: Record<string, string>;
}

/**
 * Open Notificaties' filter semantics: a notification passes a kanaal's filters when every filter
 * key is among its kenmerken with exactly that value, `*` matching any value; an abonnement takes a
 * notification when one of its kanalen (with the notification's kanaal name) passes.
 */
export function passeert(
  kanalen: readonly KanaalFilter[],
  domein: CaseDomain | null,
  event: HubEventKop,
): boolean {
  if (domein === null) return false;
  // The kenmerken the notification itself carries (no receiver case number: filterKenmerken), so
  // a filter matches exactly what the body will say.
  const kenmerken: Record<string, string | undefined> = kenmerkenVan(event);
  return kanalen.some(
    (k) =>
      k.naam === domein &&
      Object.entries(k.filters).every(([key, value]) => value === '*' || kenmerken[key] === value),
  );
}

/**
 * The hub subscription's event types for these kanalen: the kanaal's types, narrowed by a `type`
 * filter, within what the system registered it consumes. `refused` lists what was asked and may
 * not be had (a type filter outside the kanaal or outside `consumes`), with its index.
 */
export function typesVoorKanalen(
  kanalen: readonly KanaalFilter[],
  consumes: readonly string[],
): { types: string[]; refused: { index: number; reason: 'type-onbekend' | 'consumes' }[] } {
  const allowed = new Set(consumes);
  const types = new Set<string>();
  const refused: { index: number; reason: 'type-onbekend' | 'consumes' }[] = [];
  kanalen.forEach((k, index) => {
    const ofKanaal = typesVanKanaal(k.naam);
    const wanted = k.filters.type;
    if (wanted !== undefined && wanted !== '*') {
      if (!isEventType(wanted) || !ofKanaal.includes(wanted))
        refused.push({ index, reason: 'type-onbekend' });
      else if (!allowed.has(wanted)) refused.push({ index, reason: 'consumes' });
      else types.add(wanted);
      return;
    }
    const mine = ofKanaal.filter((t) => allowed.has(t));
    if (mine.length === 0) refused.push({ index, reason: 'consumes' });
    for (const t of mine) types.add(t);
  });
  return { types: [...types].sort(), refused };
}
