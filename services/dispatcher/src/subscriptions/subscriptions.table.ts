import type { KanaalFilter } from '@ketenhub/zgw-notificaties';
import type { ColumnType } from 'kysely';

/** `dispatcher.subscriptions`: the registry's subscription records plus this service's delivery state. */
export interface SubscriptionsTable {
  id: string;
  system_id: string;
  oin: string;
  url: string;
  types: string[];
  /** The system's registered roles; null from a registry that did not publish them (nothing is delivered). */
  roles: string[] | null;
  status: string;
  system_revoked: boolean;
  secret_version: number;
  previous_secret_valid_until: Date | null;
  revision: ColumnType<string, number, number>;
  /** Set when the receiver answered 410 Gone; cleared by the operator's resume. */
  stopped_at: ColumnType<Date | null, never, Date | null>;
  stopped_reason: ColumnType<string | null, never, string | null>;
  /** The receiver asked to wait (429/503 Retry-After) or is unreachable: no delivery of it before then. */
  backoff_until: ColumnType<Date | null, never, Date | null>;
  last_success_at: ColumnType<Date | null, never, Date | null>;
  last_error_at: ColumnType<Date | null, never, Date | null>;
  last_error: ColumnType<string | null, never, string | null>;
  /** The receiver's WebHook-Allowed-Rate from the registry's handshake, requests per minute; null: none. */
  allowed_rate: number | null;
  /** `cloudevents` or `zgw` (a Notificaties API 1.0 body); the registry's record. */
  format: string;
  /** The receiver's Authorization value, sealed (registry record); null: none. */
  auth_sealed: string | null;
  /** A `zgw` subscription's kanalen and filters (registry record); null: none. Replays and backfills filter by it. */
  kanalen: ColumnType<KanaalFilter[] | null, string | null, string | null>;
  /** The backfill asked for at creation (registry record); null: none. */
  backfill: { from: string | null } | null;
}
