import type { CaseDomain, ParticipantRole } from '@ketenhub/events';

/** DSO Samenwerkfunctionaliteit access: `beperkt` (BT) sees only regular documents, `volledig` (VT) all. */
export type Toegang = 'beperkt' | 'volledig';

/** One organisation in one role in a chain case. */
export interface Deelname {
  oin: string;
  rol: ParticipantRole;
  toegang: Toegang;
  naam?: string;
  /** The organisation's own system and local case number, when known (opened, added, accepted). */
  systeem?: string;
  zaakreferentie?: string;
  status: 'actief' | 'verwijderd';
  /**
   * Position in the case's log (1 = first event) of the event that made it a participation; 0 when
   * the caller does not count positions (the gateway, which folds only access events).
   */
  sinds: number;
  /** `time` of that event, for display. */
  sindsTijd: string;
  /** How it came about. */
  via: 'geopend' | 'toegevoegd' | 'uitnodiging';
  /** OIN of the owner that granted it (the organisation itself for the opener). */
  verleendDoor: string;
  /** Position and time of the removal, once removed. */
  tot?: number;
  totTijd?: string;
}

/** An invitation to take part, made by an owner and answered by the invited organisation. */
export interface Uitnodiging {
  id: string;
  oin: string;
  rol: ParticipantRole;
  toegang: Toegang;
  naam?: string;
  /** OIN of the owner that invited. */
  door: string;
  tijd: string;
  status: 'open' | 'aanvaard' | 'afgewezen' | 'ingetrokken';
}

/**
 * What the access rule needs to know of a chain case: who takes part in which role with which
 * access, open invitations, and who sent and received each actieverzoek and advice request. It is
 * the fold of the case's access events in log order ({@link applyAccess}), the same in every
 * service; nothing else in a case changes it.
 */
export interface AccessState {
  domein: CaseDomain | null;
  opener: { oin: string; rol: ParticipantRole } | null;
  /** Sorted by (oin, rol), so the JSON does not depend on arrival order. */
  deelnames: Deelname[];
  uitnodigingen: Record<string, Uitnodiging>;
  actieverzoeken: Record<string, { van: string; aan: string }>;
  adviesverzoeken: Record<string, { adviseur: string; door: string }>;
  instemmingsverzoeken: Record<string, { adviseur: string; door: string }>;
  /**
   * `source|id` of every access event folded in (a source URN has no `|`, and jsonb holds no NUL):
   * a re-published copy of one (a producer's re-send after a crash) changes nothing, whatever
   * happened in between.
   */
  gezien: string[];
}

/** How {@link AccessState.gezien} names an event: its identity, `source|id`. */
export const gezienSleutel = (source: string, id: string): string => `${source}|${id}`;

export function emptyAccess(): AccessState {
  return {
    domein: null,
    opener: null,
    deelnames: [],
    uitnodigingen: {},
    actieverzoeken: {},
    adviesverzoeken: {},
    instemmingsverzoeken: {},
    gezien: [],
  };
}

/** Active participations of one organisation. */
export function deelnamesVan(state: AccessState, oin: string): Deelname[] {
  return state.deelnames.filter((d) => d.oin === oin && d.status === 'actief');
}

/** True when `oin` takes part in the case now, in any role. */
export function neemtDeel(state: AccessState, oin: string): boolean {
  return state.deelnames.some((d) => d.oin === oin && d.status === 'actief');
}
