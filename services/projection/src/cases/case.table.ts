import type { CaseState } from '@ketenhub/case-model';
import type { ColumnType, Selectable } from 'kysely';

/**
 * Tables of one projection version (schema `projection_v<N>`; reads go through the views in
 * schema `projection`, see versions/). The JSON `state` is the joined case; the other columns are
 * derived from it (`summarise` of @ketenhub/case-model) for filtering and scanning.
 */
export interface CaseTable {
  id: string;
  domein: string | null;
  procedure: string | null;
  fase: string;
  geopend_op: ColumnType<Date | null, string | null, string | null>;
  gesloten_op: ColumnType<Date | null, string | null, string | null>;
  deelnemer_oins: string[];
  deelnemer_rollen: string[];
  zaakreferenties: string[];
  /** `date` columns: always selected as `::text` (pg would turn a date into a local-midnight Date). */
  volgende_deadline: string | null;
  /** The same per group of clocks (cases/summary in @ketenhub/case-model): lists show a reader only its own. */
  volgende_deadline_wmo: string | null;
  volgende_deadline_ow: string | null;
  volgende_deadline_ingebrekestelling: string | null;
  te_melden_deadline: string | null;
  aantal_events: number;
  state: CaseState | null;
  bijgewerkt_op: ColumnType<Date, never, string>;
}

/** Every accepted event, once (primary key source + event id: the dedupe of DOMAIN.md section 3). */
export interface TimelineTable {
  source: string;
  event_id: string;
  case_id: string;
  type: string;
  tijd: ColumnType<Date, string, string>;
  topic: string;
  partitie: number;
  kafka_offset: ColumnType<string, string, string>;
  /** The whole CloudEvent as received (it may hold a BSN: never logged, filtered on read). */
  event: unknown;
}

export type CaseRow = Selectable<CaseTable>;
export type TimelineRow = Selectable<TimelineTable>;
