import {
  type CaseDomain,
  caseDomains,
  definitionOf,
  type EventType,
  isEventType,
  mayConsume,
  mayPublish,
  oinSchema,
  type PublisherRole,
  publisherRoles,
  sourceFor,
  type Violation,
} from '@ketenhub/events';
import { z } from 'zod';

/** A registered case system: who it is and what it may publish and consume. */
export interface System {
  id: string;
  oin: string;
  name: string;
  /** `urn:nld:oin:<oin>:systeem:<name>`: the only `source` this system may publish with. */
  source: string;
  /** Roles from the contract; `ketenhub` for the hub's own systems (e.g. the deadline emitter). */
  roles: PublisherRole[];
  domains: CaseDomain[];
  publishes: EventType[];
  consumes: EventType[];
  /** Produces to its own ingress topic instead of (or besides) HTTP. */
  kafkaNative: boolean;
  createdAt: string;
  updatedAt: string;
  /** Set once revoked; a revoked system can neither publish nor get a new token. */
  revokedAt: string | null;
}

/** System name as it appears in the source URN. */
export const systemNamePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const unique = <T>(values: T[]) => new Set(values).size === values.length;

/** Body of `POST /systems`. The catalog rules (types, roles, domains) are checked by {@link catalogViolations}. */
export const registrationSchema = z.strictObject({
  oin: oinSchema,
  name: z
    .string()
    .regex(systemNamePattern, { error: 'must be lower-case a-z0-9 . _ -, at most 63 characters' }),
  roles: z
    .array(z.enum(publisherRoles))
    .min(1, { error: 'at least one role' })
    .refine(unique, { error: 'must not repeat a role', params: { rule: 'unique' } }),
  domains: z
    .array(z.enum(caseDomains))
    .min(1, { error: 'at least one domain' })
    .refine(unique, { error: 'must not repeat a domain', params: { rule: 'unique' } }),
  publishes: z.array(z.string()).default([]),
  consumes: z.array(z.string()).default([]),
  kafkaNative: z.boolean().default(false),
});
export type Registration = z.output<typeof registrationSchema>;

/**
 * What the catalog allows: every type must exist, belong to one of the system's domains (or be a
 * chain-level `nl.ketens.*` type), and, for publishing, be publishable by one of its roles. A system
 * registered with types it may not publish would otherwise be refused at every event; refusing the
 * registration tells the operator at the moment the mistake is made. For consuming, one of its roles
 * must be allowed to receive the type (mayConsume): consumed types become webhook deliveries.
 */
export function catalogViolations(registration: Registration): Violation[] {
  const violations: Violation[] = [];
  const check = (list: 'publishes' | 'consumes', type: string, index: number) => {
    const field = `${list}.${index}`;
    if (!isEventType(type)) {
      violations.push({ field, rule: 'unknown-type', message: `${field}: unknown event type "${type}"` });
      return;
    }
    const domain = definitionOf(type)?.domain;
    if (domain !== 'ketens' && !registration.domains.includes(domain as CaseDomain)) {
      violations.push({
        field,
        rule: 'domain',
        message: `${field}: "${type}" belongs to domain ${domain}, which is not in domains`,
      });
      return;
    }
    if (list === 'publishes' && !registration.roles.some((role) => mayPublish(type, role))) {
      violations.push({
        field,
        rule: 'publisher-role',
        message: `${field}: none of the roles ${registration.roles.join(', ')} may publish "${type}"`,
      });
    }
    // What a system consumes reaches it as webhooks: only types its roles may see (catalog).
    if (list === 'consumes' && !registration.roles.some((role) => mayConsume(type, role))) {
      violations.push({
        field,
        rule: 'consumer-role',
        message: `${field}: none of the roles ${registration.roles.join(', ')} may receive "${type}"`,
      });
    }
  };
  for (const [i, t] of registration.publishes.entries()) check('publishes', t, i);
  for (const [i, t] of registration.consumes.entries()) check('consumes', t, i);
  if (!unique(registration.publishes)) {
    violations.push({ field: 'publishes', rule: 'unique', message: 'publishes: must not repeat a type' });
  }
  if (!unique(registration.consumes)) {
    violations.push({ field: 'consumes', rule: 'unique', message: 'consumes: must not repeat a type' });
  }
  return violations;
}

export function sourceOf(oin: string, name: string): string {
  return sourceFor(oin, name);
}

/** Ingress and rejects topics of a Kafka-native system. */
export function systemTopics(prefix: string, systemId: string) {
  return { ingress: `${prefix}ingress.${systemId}`, rejects: `${prefix}rejects.${systemId}` };
}
