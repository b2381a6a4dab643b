import type { EventData, EventType } from '@ketenhub/events';
import type { IsoDate } from './calendar';
import type { DemoOrganisation } from './organisations';

/**
 * What a demo system is: the pure part of a connector. It hears webhooks (`react`) and carries
 * out steps (`carryOut`), both without I/O or clocks: the runtime (runtime.ts) receives and
 * verifies the webhooks, waits the demo days a plan asks for, passes in the case's demo date and
 * publishes what a step returns through the gateway. So a system's behaviour is unit-tested by
 * calling these two functions.
 */

/** A webhook delivery as a system reads it (a redacted copy carries `redactie` and part of `data`). */
export interface Received {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
  redactie?: string;
}

/** An event to publish on the case; the runtime adds id, source, subject and time. */
export type Outgoing = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/** Something to do later, `afterDays` demo days from now. */
export interface Plan<S> {
  afterDays: number;
  step: S;
}

export interface StepContext {
  caseId: string;
  /** The case's date on the demo calendar. */
  today: IsoDate;
  /** A fresh UUID (actieverzoek and invitation ids). */
  uuid(): string;
}

export interface Effect<S> {
  events: Outgoing[];
  next?: Plan<S>[];
  /** Move the case's calendar forward to this many days before the real today. */
  calendarTo?: number;
}

export interface DemoSystem<M, S> {
  org: DemoOrganisation;
  /** What it registers at the hub: the types it publishes and the types its webhook receives. */
  publishes: EventType[];
  consumes: EventType[];
  /** Memory of a case it hears of for the first time. */
  remember(): M;
  /** A webhook: updates the case's memory and returns what to do about it. */
  react(event: Received, memory: M, context: StepContext): Plan<S>[];
  carryOut(step: S, memory: M, context: StepContext): Effect<S>;
}

/** A system of unknown memory and steps, as the runtime holds them side by side. */
// biome-ignore lint/suspicious/noExplicitAny: the runtime only passes a system's own values back to it
export type AnySystem = DemoSystem<any, any>;

export function plan<S>(afterDays: number, step: S): Plan<S> {
  return { afterDays, step };
}

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
