import type { ColumnType } from 'kysely';

/** `gateway.received`: one row per (source, id) the gateway took in; see migrations.ts. */
export interface ReceivedTable {
  source: string;
  id: string;
  content_sha256: string;
  /** Set by rows confirmed before attempts existed; newer rows are confirmed through `published`. */
  accepted: ColumnType<boolean, boolean | undefined, boolean>;
  /** The publish attempt that last wrote this event to Kafka; confirmed when it is in `published`. */
  attempt: string | null;
  received_at: ColumnType<Date, Date | undefined, never>;
}

/** `gateway.published`: publish attempts Kafka confirmed (one row per flush, not per event). */
export interface PublishedTable {
  attempt: string;
  confirmed_at: ColumnType<Date, Date | undefined, never>;
}
