import type { KetenEvent, Termijnsoort } from '@ketenhub/events';
import type { IsoDate } from '../clocks';
import type { CaseState, Klok } from '../state';
import { type Folding, weiger } from './handler';

/**
 * What events do to the case's legal clocks (the rules and terms themselves are in `clocks/`):
 * start, stop, and the one check before a clock is suspended or extended.
 */

/** The Omgevingswet decision term of the case's procedure. */
export function beslistermijn(s: CaseState): Termijnsoort {
  return s.procedure === 'uitgebreid'
    ? 'omgevingswet-beslistermijn-uitgebreid'
    : 'omgevingswet-beslistermijn-regulier';
}

export function startKlok(s: CaseState, soort: Termijnsoort, start: IsoDate, extra: Partial<Klok> = {}) {
  const bestaand = s.klokken[soort];
  s.klokken[soort] = {
    soort,
    start,
    opschortingen: [],
    verlenging: null,
    gestoptOp: null,
    // A restarted clock (a second melding, a corrected date) keeps the hub's earlier notices.
    verstrekenGemeld: bestaand?.verstrekenGemeld ?? [],
    ...extra,
  };
}

export function stopKlok(s: CaseState, soort: Termijnsoort, op: IsoDate, reden: string) {
  const k = s.klokken[soort];
  if (k && k.gestoptOp === null) {
    k.gestoptOp = op;
    k.stopreden = reden;
  }
}

/**
 * The running clock `soort` for an event that suspends or (`verlengen`) extends it; null, with the
 * conflict recorded, when it is not running or, for an extension, was extended before (a term is
 * extended once: each rule's `verlenging` in clocks/termijnen.ts names the article).
 */
export function lopendeKlok(
  s: CaseState,
  e: KetenEvent,
  f: Folding,
  soort: Termijnsoort,
  verlengen = false,
): Klok | null {
  const k = s.klokken[soort];
  if (!k || k.gestoptOp !== null) {
    weiger(s, e, f, 'geen-lopende-termijn');
    return null;
  }
  if (verlengen && k.verlenging) {
    weiger(s, e, f, 'al-verlengd');
    return null;
  }
  return k;
}
