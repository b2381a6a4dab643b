import type { ColumnType } from 'kysely';

/**
 * One row per announced deadline: the claim that makes `termijn-verstreken` go out once across
 * restarts and instances. The primary key is the deterministic event id.
 */
export interface DeadlineEventTable {
  event_id: string;
  case_id: string;
  termijn: string;
  deadline: string;
  /** `geclaimd`: an instance is publishing (until its lease ends); `verzonden`: Kafka confirmed. */
  status: 'geclaimd' | 'verzonden';
  geclaimd_door: string;
  geclaimd_op: ColumnType<Date, string, string>;
  verzonden_op: ColumnType<Date | null, string | null, string | null>;
}
