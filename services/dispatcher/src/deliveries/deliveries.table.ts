import type { ColumnType, Generated, Selectable } from 'kysely';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** `dispatcher.deliveries`: the outbox, one row per subscription and event. */
export interface DeliveriesTable {
  id: Generated<string>;
  subscription_id: string;
  case_id: string;
  event_source: string;
  event_id: string;
  event_type: string;
  body: Buffer;
  traceparent: string | null;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  last_attempt_at: ColumnType<Date | null, never, Date | null>;
  last_status: ColumnType<number | null, never, number | null>;
  last_error: ColumnType<string | null, never, string | null>;
  created_at: ColumnType<Date, never, never>;
  requeued_at: ColumnType<Date | null, never, Date | null>;
  delivered_at: ColumnType<Date | null, never, Date | null>;
  /** Where the event is in the log; -1 for rows queued before positions were stored. */
  log_topic: string | null;
  log_partition: number | null;
  log_offset: ColumnType<string, string | number | undefined, string | number>;
  /** The replay or backfill that queued (or re-opened) the row; null for live fan-out. */
  replay_id: string | null;
  /** Set aside by a claim behind the row before it in its case (outbox.claimDue). */
  waiting_for_head: Generated<boolean>;
}

export type DeliveryRow = Selectable<DeliveriesTable>;
