import type { ColumnType } from 'kysely';

/**
 * The catch-up feed's index (feed-rows.ts): one row per event, with the receivers it goes to.
 * Written with the joined case in the projector's transaction.
 */
export interface FeedTable {
  topic: string;
  partitie: number;
  kafka_offset: ColumnType<string, string, string>;
  case_id: string;
  /** Position of the event in its case's log, 1-based. */
  positie: number;
  type: string;
  source: string;
  event_id: string;
  /** `<oin>:<rol>` of every receiver of the event, as it stood at the event's place in the log. */
  ontvangers: string[];
  /** Per receiver that sees a redacted copy: the redaction's name and the redacted data. */
  redacties: Record<string, { redactie: string; data: Record<string, unknown> }> | null;
}
