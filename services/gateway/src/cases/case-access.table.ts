import type { ColumnType, Generated } from 'kysely';

/**
 * `gateway.case_access_events`: every event of a chain case that changes who takes part in it
 * (`accessTypes` of @ketenhub/access), whoever published it. A case's access state is the fold of
 * its rows in log order (case-access.repository.ts); nothing else decides who may publish on it.
 */
export interface CaseAccessEventsTable {
  case_id: string;
  /** receivedKey(source, id) (ingest/accept/received.table.ts): one row per event, however often it is in the log. */
  key: string;
  /**
   * Offset in the case's partition, filled in by the cases consumer. Null for a row the acceptor
   * wrote after Kafka confirmed it and the consumer has not reached yet: such rows fold after every
   * row with an offset, in the order they were written.
   */
  kafka_offset: string | null;
  /** Write order: the order of the rows without an offset. */
  seq: Generated<string>;
  /** The event as the rule reads it: type, source, id, time and data (no subject, no extensions). */
  event: ColumnType<unknown, string, string>;
}
