import type { ColumnType } from 'kysely';

/**
 * Records the consumer could not accept (not a CloudEvent, invalid under the contract, key not
 * the subject). Kept per version with their violations so an operator can see and replay them;
 * they never stop the consumer.
 */
export interface RejectedTable {
  topic: string;
  partitie: number;
  kafka_offset: ColumnType<string, string, string>;
  sleutel: string | null;
  /** Violations as `{field, rule, message}` (no payload values in them). */
  overtredingen: unknown;
  /** The raw value, at most 64 KB; may hold personal data, so it is never logged. */
  waarde: string | null;
  ontvangen_op: ColumnType<Date, never, never>;
}
