import type { CaseDomain, KetenEvent } from '@ketenhub/events';

/** What an accepted event changes about who takes part in a chain case. */
export type CaseFact =
  | { kind: 'opened'; caseId: string; domain: CaseDomain; oin: string; role: string }
  | { kind: 'joined'; caseId: string; oin: string; role: string };

/**
 * The event types that carry a case fact ({@link caseFactOf}): the case-book thread decodes only
 * records of these types. A unit test checks this list against the switch below.
 */
export const caseFactTypes = ['nl.ketens.ketenzaak-geopend', 'nl.ketens.deelnemer-aangesloten'] as const;

/** Pure: the case fact an event carries, if it opens or joins a chain case. */
export function caseFactOf(event: KetenEvent): CaseFact | undefined {
  switch (event.type) {
    case 'nl.ketens.ketenzaak-geopend':
      return {
        kind: 'opened',
        caseId: event.subject,
        domain: event.data.domein,
        oin: event.data.oin,
        role: event.data.rol,
      };
    case 'nl.ketens.deelnemer-aangesloten':
      return { kind: 'joined', caseId: event.subject, oin: event.data.oin, role: event.data.rol };
    default:
      return undefined;
  }
}

/** A chain case as the gateway knows it. */
export interface CaseInfo {
  domain: CaseDomain;
  participants: Set<string>;
}
