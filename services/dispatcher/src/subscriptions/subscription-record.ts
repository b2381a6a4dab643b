import { z } from 'zod';

/**
 * A subscription's state as the registry publishes it on `<prefix>ketenhub.registry.subscriptions`
 * (compacted, key = subscription id). Mirrors services/registry/src/subscriptions/state-topic.ts,
 * parsed with the dispatcher's own schema so the services stay independent; a record of an unknown
 * version is skipped, not misread.
 */
export const subscriptionRecordSchema = z.object({
  version: z.literal(1),
  id: z.uuid(),
  systemId: z.uuid(),
  oin: z.string().regex(/^\d{20}$/),
  url: z.url(),
  types: z.array(z.string()),
  /**
   * The subscribing system's registered roles: the roles it reads the case in (a participant in
   * another role gets nothing through this subscription). Absent in records of a registry from
   * before the access model; such a subscription receives nothing until the registry republishes it.
   */
  roles: z.array(z.string()).optional(),
  status: z.enum(['active', 'paused', 'deleted']),
  /**
   * The receiver's `WebHook-Allowed-Rate` from the registry's CloudEvents handshake, in requests per
   * minute; null or absent: no limit (`*`, or a record of a registry from before the handshake).
   */
  allowedRate: z.number().int().min(1).nullable().optional(),
  /**
   * A backfill asked for when the subscription was made: the first dispatcher instance that reads
   * the record starts it (once; dispatcher.replays). Absent in records of older registries.
   */
  backfill: z
    .object({ from: z.iso.datetime({ offset: true }).nullable() })
    .nullable()
    .optional(),
  systemRevoked: z.boolean(),
  secretVersion: z.number().int().min(1),
  previousSecretValidUntil: z.iso.datetime({ offset: true }).nullable(),
  revision: z.number().int().min(1),
  updatedAt: z.string(),
});
export type SubscriptionRecord = z.infer<typeof subscriptionRecordSchema>;

/** A subscription as the fan-out uses it. */
export interface KnownSubscription {
  id: string;
  oin: string;
  types: ReadonlySet<string>;
  /** The system's registered roles (never empty when `queues`). */
  roles: readonly string[];
  revision: number;
  /**
   * New events are queued for it: not deleted, its system not revoked, and its roles known. A
   * paused subscription still queues (resume delivers what happened meanwhile); deletion and
   * revocation end it. Without roles the access rule cannot be asked, and guessing would be
   * the one unsafe answer: nothing is queued (a record of an older registry).
   */
  queues: boolean;
}

export function toKnownSubscription(record: SubscriptionRecord): KnownSubscription {
  return {
    id: record.id,
    oin: record.oin,
    types: new Set(record.types),
    roles: record.roles ?? [],
    revision: record.revision,
    queues: record.status !== 'deleted' && !record.systemRevoked && (record.roles?.length ?? 0) > 0,
  };
}

/** The registry's subscriptions topic (compacted). */
export const subscriptionsTopicName = (prefix: string) => `${prefix}ketenhub.registry.subscriptions`;
