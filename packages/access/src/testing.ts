import type { KetenEvent } from '@ketenhub/events';
import { exampleOrganisations } from '@ketenhub/events/testing';
import { foldAccess } from './fold';
import { type AccessContext, applyAccess, type Verdict } from './participation';
import type { Viewer } from './sections';
import type { AccessState } from './state';
import { type EventZicht, type Uitgang, zichtOpEvent } from './visibility';

/** The example hub (its OIN signs termijn-verstreken). */
export const exampleAccessContext: AccessContext = { hubOin: exampleOrganisations.ketenhub.oin };

export interface GivenCase {
  state: AccessState;
  verdicts: Verdict[];
  /** The verdict on a next event, and the state after it (the given case is not changed). */
  when(event: KetenEvent): { verdict: Verdict; state: AccessState };
  /** What `viewer` gets of the i-th given event: delivered at its moment, or read now. */
  zicht(viewer: Viewer, index: number, uitgang: Uitgang): EventZicht | null;
  /** Indexes of the given events `viewer` receives by webhook (each judged just after it happened). */
  delivered(viewer: Viewer): number[];
  /** Indexes of the given events `viewer` reads in the timeline now. */
  readable(viewer: Viewer): number[];
}

/**
 * Given these events of one chain case (in log order): the state, each event's verdict, and what an
 * organisation would receive or read of each. Used by this package's tests and, as the oracle, by
 * the conformance test of the services.
 */
export function givenCase(
  events: readonly KetenEvent[],
  ctx: AccessContext = exampleAccessContext,
): GivenCase {
  const { state, verdicts } = foldAccess(events, ctx);
  // The state just after each event, for deliveries "at that moment".
  const after: AccessState[] = [];
  {
    const s = foldAccess([], ctx).state;
    events.forEach((e, i) => {
      applyAccess(s, e, ctx, i + 1);
      after.push(structuredClone(s));
    });
  }
  const zicht = (viewer: Viewer, index: number, uitgang: Uitgang) => {
    const event = events[index]!;
    return zichtOpEvent(uitgang === 'levering' ? after[index]! : state, event, viewer, {
      verdict: verdicts[index]!,
      uitgang,
      ...(uitgang === 'lezen' ? { positie: index + 1 } : {}),
    });
  };
  return {
    state,
    verdicts,
    when(event) {
      const next = structuredClone(state);
      const verdict = applyAccess(next, event, ctx, events.length + 1);
      return { verdict, state: next };
    },
    zicht,
    delivered: (viewer) => events.flatMap((_, i) => (zicht(viewer, i, 'levering') ? [i] : [])),
    readable: (viewer) => events.flatMap((_, i) => (zicht(viewer, i, 'lezen') ? [i] : [])),
  };
}
