import { stateTopic, systemsTopicName, type TopicSpec } from '@ketenhub/kafka';
import { z } from 'zod';

/**
 * A system's state as the registry publishes it on `<prefix>ketenhub.registry.systems` (compacted,
 * key = system id). Mirrors services/registry/src/systems/state-topic.ts: the services parse it with
 * this schema instead of importing the registry, so they stay independent of it and a
 * record of an unknown future version is skipped, not misread.
 */
export const systemRecordSchema = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  oin: z.string().regex(/^\d{20}$/),
  name: z.string().min(1),
  source: z.string().min(1),
  roles: z.array(z.string()),
  domains: z.array(z.string()),
  publishes: z.array(z.string()),
  consumes: z.array(z.string()),
  kafkaNative: z.boolean(),
  tokenSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  revoked: z.boolean(),
  updatedAt: z.string(),
});
export type SystemRecord = z.infer<typeof systemRecordSchema>;

/** A system as the services use it: sets for the per-event checks. */
export interface KnownSystem {
  id: string;
  oin: string;
  name: string;
  source: string;
  roles: ReadonlySet<string>;
  domains: ReadonlySet<string>;
  publishes: ReadonlySet<string>;
  /** Types it receives (webhooks, the catch-up feed). */
  consumes: ReadonlySet<string>;
  kafkaNative: boolean;
  tokenSha256: string | null;
  revoked: boolean;
}

export function toKnownSystem(record: SystemRecord): KnownSystem {
  return {
    id: record.id,
    oin: record.oin,
    name: record.name,
    source: record.source,
    roles: new Set(record.roles),
    domains: new Set(record.domains),
    publishes: new Set(record.publishes),
    consumes: new Set(record.consumes),
    kafkaNative: record.kafkaNative,
    tokenSha256: record.revoked ? null : record.tokenSha256,
    revoked: record.revoked,
  };
}

export { systemsTopicName };

/** The systems topic with the registry's spec (whoever starts first creates it). */
export const systemsTopic = (prefix: string): TopicSpec => stateTopic(systemsTopicName(prefix));
