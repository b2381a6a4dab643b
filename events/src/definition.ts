import type { z } from 'zod';
import type { EventDomain, PublisherRole } from './roles';
import type { Zichtbaarheid } from './zichtbaarheid';

/**
 * What the contract says about one event type. The catalog is the one source for validation, the
 * AsyncAPI documents and the integrator docs, so everything a consumer needs to interpret a type lives here.
 */
export interface EventDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  /** CloudEvents `type`, `nl.<domain>.<object>-<past-participle>`. */
  type: T;
  /** `ketens` for chain-level events; they travel on the topic of the case's domain. */
  domain: EventDomain;
  /** zod schema of `data`. */
  data: S;
  /** Meaning of the fact, in Dutch and English. */
  description: { nl: string; en: string };
  /** Roles that may publish this type. */
  publishers: readonly PublisherRole[];
  /** Roles that typically consume it (documentation and AsyncAPI operations). */
  consumers: readonly PublisherRole[];
  /** What the event does to legal clocks (start, suspend, resume, extend, stop), with the article. */
  clockEffect: string;
  /** True when `data` carries personal data (BSN); such types are delivered need-to-know only. */
  personalData: boolean;
  /**
   * Fact of the joined case this event sets and the roles authoritative for it (DOMAIN.md section 1):
   * a later event about that fact from any other role is recorded and flagged, not applied.
   */
  sets?: { fact: string; owners: readonly PublisherRole[] };
  /**
   * Who may see events of this type, by section of the joined case (the access rule in
   * `@ketenhub/access` applies it per organisation and role; docs/access.md has the table).
   */
  zichtbaarheid: Zichtbaarheid;
  /**
   * Whether an organisation that joins the case later may see events of this type from before it
   * joined (its timeline, a backfill). False for facts that belong to the participant of the time,
   * such as an earlier care provider's declaraties.
   */
  nalezen: boolean;
  /** iWmo/iEb message this event corresponds to, when there is one (e.g. WMO301). */
  standaardbericht?: string;
}

/** Declares an event type, keeping its literal `type` and the exact data schema for type inference. */
export function defineEvent<const T extends string, S extends z.ZodType>(
  definition: EventDefinition<T, S>,
): EventDefinition<T, S> {
  return definition;
}
