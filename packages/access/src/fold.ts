import type { AccessContext, AccessEvent, Verdict } from './participation';
import { applyAccess } from './participation';
import { type AccessState, emptyAccess } from './state';

/**
 * The access state of a case from its events in log order, with each event's verdict: what the
 * gateway, the projection and the dispatcher all compute, each from its own copy of the log.
 * Positions count from 1 in the order given.
 */
export function foldAccess(
  events: readonly AccessEvent[],
  ctx: AccessContext,
  from: AccessState = emptyAccess(),
): { state: AccessState; verdicts: Verdict[] } {
  const state = structuredClone(from);
  const verdicts = events.map((e, i) => applyAccess(state, e, ctx, i + 1));
  return { state, verdicts };
}
