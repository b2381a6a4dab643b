import type { ColumnType } from 'kysely';

/** `gateway.received`: one row per (source, id) the gateway took in; see migrations.ts. */
export interface ReceivedTable {
  source: string;
  id: string;
  content_sha256: string;
  accepted: ColumnType<boolean, boolean | undefined, boolean>;
  received_at: ColumnType<Date, Date | undefined, never>;
}
