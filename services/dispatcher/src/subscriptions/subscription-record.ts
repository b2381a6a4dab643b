import { subscriptionsTopicName } from '@ketenhub/kafka';
import { type KanaalFilter, passeert } from '@ketenhub/zgw-notificaties';
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
  /**
   * What the receiver gets: `cloudevents` (absent in records of older registries), or `zgw`, a
   * Notificaties API 1.0 body built at send time from the stored event (issue 14).
   */
  format: z.enum(['cloudevents', 'zgw']).optional(),
  /**
   * The Authorization value the receiver registered, sealed (AES-256-GCM, openWebhookAuth in
   * packages/service with KETENHUB_WEBHOOK_KEY and the subscription id); opened only to send.
   */
  authSealed: z.string().nullable().optional(),
  /** A `zgw` subscription's kanalen and filters (Open Notificaties' semantics); null/absent: types only. */
  kanalen: z
    .array(
      z.object({
        naam: z.enum(['wmo', 'omgevingswet']),
        filters: z.record(z.string(), z.string()),
      }),
    )
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
   * The abonnement's kanalen and filters (a `zgw` subscription): an event is queued only when one
   * of them passes for the case's domain. Undefined: the types decide alone.
   */
  kanalen?: readonly KanaalFilter[];
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
    ...(record.kanalen ? { kanalen: record.kanalen } : {}),
  };
}

/**
 * A subscription's own filters beyond its types (an abonnement's kanalen): true when the event,
 * in a case of `domein`, passes them. The same check for live fan-out, replays and backfills.
 */
export function passesFilters(
  subscription: KnownSubscription,
  domein: 'wmo' | 'omgevingswet' | null,
  event: { id: string; type: string; source: string; subject: string; time: string },
): boolean {
  return subscription.kanalen === undefined || passeert(subscription.kanalen, domein, event);
}

/** The registry's subscriptions topic (compacted). */
export { subscriptionsTopicName };
