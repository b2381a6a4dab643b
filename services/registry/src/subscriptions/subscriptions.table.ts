import type { KanaalFilter } from '@ketenhub/zgw-notificaties';
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { SubscriptionFormat } from './subscription';

/**
 * `registry.subscriptions`: webhook subscriptions of systems. No secret column: signing secrets are
 * derived from the master key, the id and `secret_version` (deriveSigningSecret in packages/service).
 */
export interface SubscriptionsTable {
  id: string;
  system_id: string;
  url: string;
  types: string[];
  status: string;
  secret_version: ColumnType<number, number | undefined, number>;
  /** The previous version (`secret_version - 1`) signs too until then. */
  previous_secret_valid_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /**
   * +1 on every change: dispatcher instances reading the state topic at different speeds apply a
   * record only when it is newer than what their table holds.
   */
  revision: ColumnType<string, number | undefined, number | string>;
  /** WebHook-Allowed-Rate from the handshake (requests per minute); null: no limit. */
  allowed_rate: ColumnType<number | null, number | null | undefined, number | null>;
  /** `{ from }` when a backfill was asked for at creation. */
  backfill: ColumnType<{ from: string | null } | null, { from: string | null } | null | undefined, never>;
  /** What the receiver gets: `cloudevents` (the event) or `zgw` (a Notificaties API 1.0 body). */
  format: ColumnType<SubscriptionFormat, SubscriptionFormat | undefined, SubscriptionFormat>;
  /**
   * The Authorization value a ZGW receiver registered (`auth`), sealed with AES-256-GCM
   * (sealWebhookAuth in packages/service); never the value itself. Null: none.
   */
  auth_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  /** The abonnement's kanalen and filters as given through the façade (`zgw` format); null otherwise. */
  kanalen: ColumnType<KanaalFilter[] | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type NewSubscriptionRow = Insertable<SubscriptionsTable>;
