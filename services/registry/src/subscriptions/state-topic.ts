import { type OutgoingRecord, subscriptionsTopicName, type TopicSpec } from '@ketenhub/kafka';
import type { KanaalFilter } from '@ketenhub/zgw-notificaties';
import { stateTopicSpec } from '../systems/state-topic';
import type { SystemRow } from '../systems/systems.table';
import type { SubscriptionRow } from './subscriptions.table';

/**
 * How the dispatcher learns subscriptions: each subscription's full state as one record on its own
 * compacted topic, key = subscription id, written before the registry answers (as for systems).
 *
 * A topic of its own rather than a field of the system record: the gateway authenticates from the
 * system record and has no use for receivers' URLs (least knowledge), the system record keeps its
 * version 1 contract untouched, and a subscription change does not rewrite the record the
 * gateway's token lookup depends on. What the dispatcher needs of the system (its OIN and roles for
 * the access rule, whether it is revoked) is copied into each subscription record, and a
 * revocation rewrites the system's subscription records in the same transaction, so the dispatcher
 * reads one topic and never has to join two topics that carry no order between them. (A system's
 * roles are fixed at registration; an API that changed them would have to republish its
 * subscriptions in the same transaction, as revocation does.)
 *
 * `roles` came later than version 1 and is added without a new version: an older dispatcher
 * ignores it and keeps delivering, while a dispatcher that knows the access rule delivers nothing
 * for a record without it. The registry republishes every record on start, and its migration
 * `2026-12-03T1200_subscription_roles` raised every revision once, so the records with roles
 * supersede the older ones in every dispatcher (they keep the highest revision).
 *
 * Contract with services/dispatcher/src/subscriptions/subscription-record.ts; change both together.
 */
export interface SubscriptionStateRecord {
  version: 1;
  id: string;
  systemId: string;
  /** The subscriber's organisation: it receives an event only when it takes part in the chain case. */
  oin: string;
  /**
   * The system's registered roles: the roles it reads a chain case in. An organisation taking part
   * as `cak` gets, through a system registered as `cak`, what the CAK may see, and nothing through
   * a system registered in roles it does not have in that case.
   */
  roles: string[];
  url: string;
  types: string[];
  status: 'active' | 'paused' | 'deleted';
  /** The system was revoked: nothing more is delivered, whatever `status` says. */
  systemRevoked: boolean;
  secretVersion: number;
  /** The previous secret version signs too until then (ISO time), or null. */
  previousSecretValidUntil: string | null;
  /**
   * The receiver's WebHook-Allowed-Rate from the CloudEvents handshake (requests per minute), which
   * the dispatcher honours as a throttle; null: no limit. Added without a new version (older
   * dispatchers ignore it), like `roles`.
   */
  allowedRate: number | null;
  /** A backfill asked for at creation: the dispatcher starts it once. Null: none. */
  backfill: { from: string | null } | null;
  /**
   * What the receiver gets (issue 14): `cloudevents`, or `zgw`, a Notificaties API 1.0 body the
   * dispatcher builds at send time. Added without a new version, like `roles`: an older dispatcher
   * ignores it and would send CloudEvents (upgrade the dispatcher with or before the registry's
   * façade is used).
   */
  format: 'cloudevents' | 'zgw';
  /**
   * The Authorization value the receiver registered, sealed (AES-256-GCM under a key derived from
   * KETENHUB_WEBHOOK_KEY, bound to the subscription id): the dispatcher opens it when it sends. Null:
   * none. Never the value itself, so the topic holds nothing a reader could send.
   */
  authSealed: string | null;
  /** A `zgw` subscription's kanalen and filters (Open Notificaties' semantics); null: none (types only). */
  kanalen: KanaalFilter[] | null;
  /** Increases with every change; a consumer keeps the record with the highest revision. */
  revision: number;
  updatedAt: string;
}

export { subscriptionsTopicName };

export const subscriptionsTopicSpec = (prefix: string): TopicSpec =>
  stateTopicSpec(subscriptionsTopicName(prefix));

export function subscriptionRecord(row: SubscriptionRow, system: SystemRow): SubscriptionStateRecord {
  return {
    version: 1,
    id: row.id,
    systemId: row.system_id,
    oin: system.oin,
    roles: system.roles,
    url: row.url,
    types: row.types,
    status: row.status as SubscriptionStateRecord['status'],
    systemRevoked: system.revoked_at !== null,
    secretVersion: row.secret_version,
    previousSecretValidUntil: row.previous_secret_valid_until?.toISOString() ?? null,
    allowedRate: row.allowed_rate,
    backfill: row.backfill,
    format: row.format,
    authSealed: row.auth_sealed,
    kanalen: row.kanalen,
    revision: Number(row.revision),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function subscriptionKafkaRecord(
  prefix: string,
  row: SubscriptionRow,
  system: SystemRow,
): OutgoingRecord {
  return {
    topic: subscriptionsTopicName(prefix),
    key: row.id,
    value: JSON.stringify(subscriptionRecord(row, system)),
    headers: { 'content-type': 'application/json', 'ketenhub-record': 'subscription-state.v1' },
  };
}
