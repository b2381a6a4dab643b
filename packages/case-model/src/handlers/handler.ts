import type { Verdict } from '@ketenhub/access';
import { definitionOf, type EventType, type KetenEvent } from '@ketenhub/events';
import type { CaseState, ConflictReden } from '../state';

/**
 * The shape of the fold's handlers: one function per event type, in one table per domain
 * (`ketens.ts`, `wmo.ts`, `omgevingswet.ts`). A handler runs only for an event whose publisher the
 * access rule admitted (the guard in evolve.ts, written once); it changes the draft state in
 * place, or records why the fact it would change does not allow it ({@link weiger}).
 */

/** What the guard decided and found out once, for the handler of an admitted event. */
export interface Folding {
  /** The access rule's verdict on this event (admitted). */
  verdict: Verdict;
  /** The publisher's OIN from the event's `source` (undefined when the source names none). */
  sourceOin: string | undefined;
  /** The publisher's OIN as the case records it ('' when the source names none). */
  door: string;
  /** Position of the event in the case's log, 1-based. */
  positie: number;
}

/** The events of one type, or of several (a handler shared by types narrows on `e.type`). */
export type EventOfType<T extends EventType> = Extract<KetenEvent, { type: T }>;

export type Handler<T extends EventType> = (s: CaseState, e: EventOfType<T>, f: Folding) => void;

/** A handler for every type of a domain: the type checker refuses a table that misses one. */
export type HandlerTable<T extends EventType> = { readonly [K in T]: Handler<K> };

/** The types of one domain, by the catalog's naming scheme `nl.<domain>.<object>-<participle>`. */
export type TypesOf<D extends 'ketens' | 'wmo' | 'omgevingswet'> = Extract<EventType, `nl.${D}.${string}`>;

/**
 * The entries of a handler table for types that share one handler (it narrows on `e.type` where
 * they differ).
 */
export function voorElk<T extends EventType>(
  types: readonly T[],
  handler: (s: CaseState, e: EventOfType<T>, f: Folding) => void,
): HandlerTable<T> {
  return Object.fromEntries(types.map((type) => [type, handler])) as unknown as HandlerTable<T>;
}

/** Records an event in the case's conflicts: it was folded (and counted) but changed no fact. */
export function conflict(
  s: CaseState,
  e: KetenEvent,
  reden: ConflictReden,
  verdict: Verdict,
  toegang: boolean,
  feit = definitionOf(e.type)?.sets?.fact,
) {
  s.conflicten.push({
    source: e.source,
    eventId: e.id,
    type: e.type,
    tijd: e.time,
    reden,
    ...(feit ? { feit } : {}),
    rollen: verdict.rollen,
    toegang,
  });
}

/** An admitted event that the fact it would change does not allow (`toegang: false`). */
export function weiger(s: CaseState, e: KetenEvent, f: Folding, reden: ConflictReden, feit?: string) {
  conflict(s, e, reden, f.verdict, false, feit);
}
