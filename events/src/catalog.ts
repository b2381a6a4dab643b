import type { z } from 'zod';
import type { EventDefinition } from './definition';
import type { EnvelopeAttributes } from './envelope';
import { ketensEvents } from './ketens';
import { omgevingswetEvents } from './omgevingswet';
import type { CaseDomain, EventDomain, PublisherRole } from './roles';
import { wmoEvents } from './wmo';

/**
 * The event catalog: every type the contract knows, with its data schema and meaning. Validation, the
 * AsyncAPI documents and the integrator docs are all generated from this list.
 */
export const eventDefinitions = [...ketensEvents, ...wmoEvents, ...omgevingswetEvents] as const;

type Definitions = (typeof eventDefinitions)[number];

/** Every event type name in the contract. */
export type EventType = Definitions['type'];

/** The definition of one type. */
export type DefinitionOf<T extends EventType> = Extract<Definitions, { type: T }>;

/** The `data` of an event type, as validated (zod output). */
export type EventData<T extends EventType> = z.output<DefinitionOf<T>['data']>;

/** A valid contract event of type `T`. */
export type EventOf<T extends EventType> = EnvelopeAttributes & { type: T; data: EventData<T> };

/**
 * Any contract event: a discriminated union on `type`. Switch on `event.type` and end with
 * `assertNever(event)` so a new type cannot be forgotten.
 */
export type KetenEvent = { [T in EventType]: EventOf<T> }[EventType];

/** All event types, in catalog order (chain-level, WMO, Omgevingswet). */
export const eventTypes: readonly EventType[] = eventDefinitions.map((d) => d.type);

/** Catalog keyed by type. */
export const catalog: { readonly [T in EventType]: DefinitionOf<T> } = Object.fromEntries(
  eventDefinitions.map((d) => [d.type, d]),
) as { [T in EventType]: DefinitionOf<T> };

/** True when `type` is a type of the contract. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalog, type);
}

/** The definition of `type`, or undefined for an unknown type. */
export function definitionOf(type: string): EventDefinition | undefined {
  return isEventType(type) ? (catalog[type] as EventDefinition) : undefined;
}

/** Definitions of one event domain (`ketens`, `wmo` or `omgevingswet`). */
export function definitionsOf(domain: EventDomain): EventDefinition[] {
  return eventDefinitions.filter((d) => d.domain === domain) as EventDefinition[];
}

/**
 * Kafka topic of a chain case's events. Chain-level `nl.ketens.*` events travel on the topic of the
 * case's domain: one chain case, one topic, one partition (key = chain case id), so its order holds.
 */
export function topicFor(domain: CaseDomain): CaseDomain {
  return domain;
}

/** True when `role` may publish `type` according to the catalog. */
export function mayPublish(type: EventType, role: PublisherRole): boolean {
  return (catalog[type].publishers as readonly PublisherRole[]).includes(role);
}

/**
 * True when `role` may receive `type` (a webhook subscription, a consuming system): it is one of the
 * catalog's consumers of the type, or a role that may publish it (it holds that kind of data
 * anyway). The same rule as the projection's access sections: a care provider receives the
 * toewijzing, not the onderzoek; the CAK what the eigen bijdrage needs.
 */
export function mayConsume(type: EventType, role: PublisherRole): boolean {
  return (catalog[type].consumers as readonly PublisherRole[]).includes(role) || mayPublish(type, role);
}

/** Exhaustiveness guard for `switch (event.type)`; compile error when a case is missing. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled value: ${JSON.stringify(value)}`);
}

/** The event type naming scheme: `nl.<domain>.<object>-<past-participle>` with an optional `.v<N>`. */
export const EVENT_TYPE_SCHEME = /^nl\.(ketens|wmo|omgevingswet)\.[a-z]+(-[a-z]+)+(\.v([2-9]|[1-9][0-9]+))?$/;
