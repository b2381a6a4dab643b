import { type AccessContext, applyAccess, oinOfSource, type Verdict } from '@ketenhub/access';
import { assertNever, type EventType, eventTypes, type KetenEvent } from '@ketenhub/events';
import { finish } from './derived';
import { conflict, type Handler, type HandlerTable } from './handlers/handler';
import { ketensHandlers } from './handlers/ketens';
import { omgevingswetHandlers } from './handlers/omgevingswet';
import { wmoHandlers } from './handlers/wmo';
import { type CaseState, emptyCase, type Plaats } from './state';

/**
 * The projection of a chain case: `evolve(state | null, event, ctx) -> state`, pure.
 *
 * One order: the log. All events of a chain case are on one partition (key = chain case id), so
 * the case is the fold of its deduplicated events in their order in the log, the same for every
 * consumer, instance and rebuild. Who may do what is decided by the hub's one access rule
 * (@ketenhub/access) at each event's place in that order, exactly as the gateway decided before
 * publishing and the dispatcher decides before delivering. Folding by the events' `time` was
 * given up for this: `time` is the producer's claim, and ordering by it would let a removed
 * participant backdate an event to before its removal. Should a case's events ever reach two
 * partitions, the consumer refolds the case from its stored timeline in (topic, partition, offset)
 * order, which is deterministic too.
 *
 * Time, ids and lookups come from the event or from `ctx`; nothing here reads a clock.
 */

export type EvolveContext = AccessContext;

/**
 * One handler per catalog type, from one table per domain (handlers/): the type checker refuses a
 * table that misses a type of its domain, and this one a domain that is missing.
 */
const handlers: HandlerTable<EventType> = { ...ketensHandlers, ...wmoHandlers, ...omgevingswetHandlers };

/** The event types this projection handles: every catalog type (the tables are exhaustive). */
export const handledTypes = eventTypes;

/** The fold order: topic, partition, offset. */
export function comparePlaats(a: Plaats, b: Plaats): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partitie !== b.partitie) return a.partitie - b.partitie;
  return a.offset - b.offset;
}

/** Pure: a new state; the input is not touched. `plaats`: where the event is in the log. */
export function evolve(
  state: CaseState | null,
  event: KetenEvent,
  ctx: EvolveContext,
  plaats?: Plaats,
): CaseState {
  const draft = state ? structuredClone(state) : emptyCase(event.subject);
  applyInPlace(draft, event, ctx, plaats);
  return draft;
}

/**
 * The joined case of events in log order: deduplicated by source+id (the first copy counts),
 * folded. `from` is an existing state to continue from; `plaatsen[i]` is where `events[i]` is in
 * the log (tests may leave them out: the array order is then the log order).
 */
export function fold(
  caseId: string,
  events: readonly KetenEvent[],
  ctx: EvolveContext,
  from?: CaseState | null,
  plaatsen?: readonly Plaats[],
  /** Called after each folded event with the state just after it (the feed's recipients). */
  onFolded?: (event: KetenEvent, state: CaseState, verdict: Verdict, index: number) => void,
): CaseState {
  const seen = new Set<string>();
  // One clone for the whole fold instead of one per event: the draft is private to this call.
  const draft = from ? structuredClone(from) : emptyCase(caseId);
  for (const [i, e] of events.entries()) {
    const key = `${e.source}\u0000${e.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const verdict = applyInPlace(draft, e, ctx, plaatsen?.[i]);
    onFolded?.(e, draft, verdict, i);
  }
  return draft;
}

/**
 * The guard, once for every type: the one access rule (@ketenhub/access) decides first, at the
 * event's place in the log, and an event whose publisher was not entitled changes nothing but the
 * conflicts. Only an admitted event reaches its type's handler. Whatever happened, the derived
 * facts (phase, closed) follow.
 */
function applyInPlace(s: CaseState, e: KetenEvent, ctx: EvolveContext, plaats?: Plaats): Verdict {
  s.aantalEvents += 1;
  if (plaats) s.laatste = plaats;
  const positie = s.aantalEvents;
  const verdict = applyAccess(s.access, e, ctx, positie);
  if (!verdict.ok) {
    conflict(s, e, verdict.regel, verdict, true);
  } else {
    const handler = handlers[e.type] as Handler<EventType> | undefined;
    // Only a type outside the catalog (a bug: events are validated before they are folded).
    if (!handler) assertNever(e as never);
    const sourceOin = oinOfSource(e.source);
    handler(s, e, { verdict, sourceOin, door: sourceOin ?? '', positie });
  }
  finish(s, e);
  return verdict;
}
