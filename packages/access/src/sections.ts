import { definitionOf, type ParticipantRole, type Sectie, type Termijnsoort } from '@ketenhub/events';
import { isEigenaar } from './participation';
import type { AccessState, Toegang } from './state';

/**
 * THE read rule of a chain case (DOMAIN.md sections 4-5, docs/access.md):
 *
 * 1. An organisation sees a chain case only while it takes part in it, in a role its reader holds
 *    (a case worker's token roles, a subscribing system's registered roles). Otherwise the case does
 *    not exist for it: 404, never 403, and no delivery.
 * 2. Within a case each role sees the sections of {@link sectiesPerRol}; with several roles, the union.
 * 3. Documents: `strikt` ones only with `volledig` access (DSO: VT), `regulier` ones every participant.
 * 4. Actieverzoeken: only the requesting and the receiving organisation.
 * 5. Advice and consent: the roles that see every advice (the authority) and the adviser concerned.
 * 6. Invitations: the owners of participation and the invited organisation.
 */

/** Who reads: an organisation and the roles it reads in. */
export interface Viewer {
  oin: string;
  roles: readonly string[];
}

const wmoVolledig: Sectie[] = [
  'bsn',
  'gemeentecode',
  'melding',
  'onderzoek',
  'wmo-aanvraag',
  'beschikking',
  'toewijzingen',
  'zorg',
  'verzoeken',
  'retourberichten',
  'declaraties',
  'eigen-bijdrage',
  'klokken-wmo',
  'ingebrekestellingen',
  'conflicten',
];
const owVolledig: Sectie[] = [
  'ow-aanvraag',
  'ow-procedure',
  'ow-advies-alle',
  'ow-besluit',
  'zienswijzen',
  'klokken-ow',
  'ingebrekestellingen',
  'conflicten',
];

/** What each participant role may see. The table is the rule; tests go through it per role. */
export const sectiesPerRol: Readonly<Record<ParticipantRole, readonly Sectie[]>> = {
  // Decides on WMO support and owns the onderzoek: everything of the WMO chain.
  gemeente: [...wmoVolledig, ...owVolledig],
  // Needs whom to care for (BSN) and what was assigned; never the onderzoek or the melding.
  zorgaanbieder: [
    'bsn',
    'gemeentecode',
    'beschikking',
    'toewijzingen',
    'zorg',
    'verzoeken',
    'retourberichten',
    'declaraties',
    'conflicten',
  ],
  // Collects the eigen bijdrage: the person, the trigger (beschikking, start/stop of care) and the
  // eigen bijdrage itself; no toewijzing details, no declaraties, no health-related facts.
  cak: ['bsn', 'gemeentecode', 'beschikking', 'zorg-datums', 'eigen-bijdrage'],
  'bevoegd-gezag': owVolledig,
  omgevingsdienst: owVolledig,
  // An adviser sees the request, its own advice and consent requests, the decision and the clocks.
  adviseur: ['ow-aanvraag', 'ow-advies-eigen', 'ow-besluit', 'klokken-ow'],
};

/** The table as sets, built once: resolving a viewer's access runs for every event and receiver. */
const sectieSets = Object.fromEntries(
  Object.entries(sectiesPerRol).map(([rol, secties]) => [rol, new Set(secties)]),
) as unknown as Readonly<Record<ParticipantRole, ReadonlySet<Sectie>>>;

/** An organisation's access to one case, resolved from the case's access state. */
export interface CaseAccess {
  oin: string;
  /** The roles it reads in on this case (participation roles ∩ reader roles). */
  rollen: ParticipantRole[];
  toegang: Toegang;
  secties: ReadonlySet<Sectie>;
  /** Owner of participation: sees invitations, may grant. */
  eigenaar: boolean;
  /** Position in the case's log from which it takes part (its earliest current participation). */
  sinds: number;
}

/** Rule 1: the viewer's access to a case, or null (404, nothing delivered). */
export function resolveAccess(viewer: Viewer, state: AccessState | null | undefined): CaseAccess | null {
  if (!state) return null;
  const deelnames = state.deelnames.filter(
    (d) => d.oin === viewer.oin && d.status === 'actief' && viewer.roles.includes(d.rol),
  );
  if (deelnames.length === 0) return null;
  const rollen = [...new Set(deelnames.map((d) => d.rol))].sort();
  return {
    oin: viewer.oin,
    rollen,
    toegang: deelnames.some((d) => d.toegang === 'volledig') ? 'volledig' : 'beperkt',
    secties:
      rollen.length === 1 ? sectieSets[rollen[0]!] : new Set<Sectie>(rollen.flatMap((r) => sectiesPerRol[r])),
    eigenaar: isEigenaar(state, viewer.oin),
    sinds: Math.min(...deelnames.map((d) => d.sinds)),
  };
}

/** The section a legal clock belongs to. */
export function klokSectie(soort: Termijnsoort | string): Sectie {
  if (soort === 'ingebrekestelling') return 'ingebrekestellingen';
  return soort.startsWith('wmo-') ? 'klokken-wmo' : 'klokken-ow';
}

/** Rules 2-6 as predicates, for a case view and for single events alike. */
export const mag = {
  sectie: (a: CaseAccess, s: Sectie) => a.secties.has(s),
  klok: (a: CaseAccess, soort: string) => a.secties.has(klokSectie(soort)),
  document: (a: CaseAccess, d: { vertrouwelijkheid?: unknown }) =>
    a.toegang === 'volledig' || d.vertrouwelijkheid !== 'strikt',
  actieverzoek: (a: CaseAccess, av: { van?: unknown; aan?: unknown }) => av.van === a.oin || av.aan === a.oin,
  /** `adviseur`: the adviser asked (or, for an unknown request, the publisher). */
  advies: (a: CaseAccess, adviseur: unknown) =>
    a.secties.has('ow-advies-alle') || (a.secties.has('ow-advies-eigen') && adviseur === a.oin),
  uitnodiging: (a: CaseAccess, genodigde: unknown) => a.eigenaar || genodigde === a.oin,
  /**
   * A conflict (an event that changed nothing) is shown to roles that see conflicts, and only when
   * the event's own section is one they see: a refused melding does not reach a care provider.
   */
  conflict: (a: CaseAccess, type: string) => {
    if (!a.secties.has('conflicten')) return false;
    const z = definitionOf(type)?.zichtbaarheid;
    if (z?.soort !== 'sectie') return true;
    return a.secties.has(z.sectie) || (z.beperkt !== undefined && a.secties.has(z.beperkt.sectie));
  },
  /** Facts created before the viewer joined, of a type late joiners may not see. */
  nalezen: (a: CaseAccess, positie: number | undefined, toegestaan: boolean) =>
    toegestaan || positie === undefined || positie === 0 || positie >= a.sinds,
};
