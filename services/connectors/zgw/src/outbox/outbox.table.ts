import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * `connector_zgw.outbox`: events prepared from notifications, written in the transaction that
 * settles the notification and sent to the gateway by the relay. Unique by event id, so a second
 * notification of the same fact adds nothing.
 */
export interface OutboxTable {
  seq: Generated<string>;
  event_id: string;
  bron: string;
  subject: string;
  type: string;
  event: string;
  notificatie_id: string;
  status: Generated<'pending' | 'sent' | 'rejected'>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  problem: ColumnType<unknown, string | null, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  sent_at: Date | null;
}

export type OutboxRow = Selectable<OutboxTable>;
