/**
 * Roles an organisation plays in a chain case (DOMAIN.md sections 4 and 5). A role decides which event
 * types an organisation may publish and which facts it owns.
 */
export const participantRoles = [
  'gemeente',
  'zorgaanbieder',
  'cak',
  'bevoegd-gezag',
  'omgevingsdienst',
  'adviseur',
] as const;

/** A role an organisation plays in a chain case. */
export type ParticipantRole = (typeof participantRoles)[number];

/** Publisher roles: the participants plus the hub itself, which emits derived facts such as expired terms. */
export const publisherRoles = [...participantRoles, 'ketenhub'] as const;

/** Anyone that may appear as publisher of an event type. */
export type PublisherRole = (typeof publisherRoles)[number];

/** Chain domains. `ketens` holds chain-level events that travel on the domain topic of their case. */
export const caseDomains = ['wmo', 'omgevingswet'] as const;

/** The domain of a chain case: decides the Kafka topic. */
export type CaseDomain = (typeof caseDomains)[number];

/** Domains of event types: the two chain domains plus chain-level `ketens` events. */
export const eventDomains = ['ketens', ...caseDomains] as const;

/** The domain part of an event type name (`nl.<domain>.…`). */
export type EventDomain = (typeof eventDomains)[number];
