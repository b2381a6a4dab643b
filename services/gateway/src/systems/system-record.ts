import { z } from 'zod';

/**
 * A system's state as the registry publishes it on `<prefix>ketenhub.registry.systems` (compacted,
 * key = system id). Mirrors services/registry/src/systems/state-topic.ts: the gateway parses it with
 * its own schema instead of importing the registry, so the two services stay independent and a
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

/** A system as the gateway uses it: sets for the per-event checks. */
export interface KnownSystem {
  id: string;
  oin: string;
  name: string;
  source: string;
  roles: ReadonlySet<string>;
  domains: ReadonlySet<string>;
  publishes: ReadonlySet<string>;
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
    kafkaNative: record.kafkaNative,
    tokenSha256: record.revoked ? null : record.tokenSha256,
    revoked: record.revoked,
  };
}

export const systemsTopicName = (prefix: string) => `${prefix}ketenhub.registry.systems`;
