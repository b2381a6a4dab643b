import type { ColumnType, Generated } from 'kysely';

export type ReplayKind = 'replay' | 'backfill' | 'history';
export type ReplayStatus = 'running' | 'done' | 'cancelled' | 'failed';

/** `dispatcher.replays`: a job over a window of the log (replay, backfill, or the upgrade's history fill). */
export interface ReplaysTable {
  id: string;
  subscription_id: string | null;
  kind: ReplayKind;
  /** Who asked: `operator` (the API), `registry` (backfill at creation), `upgrade` (history fill). */
  origin: string;
  status: ReplayStatus;
  phase: string | null;
  request: unknown;
  /** Events the access rule let through so far (what a dry run counts as `events`). */
  matched: ColumnType<string, string | number | undefined, string | number>;
  /** Deliveries made pending so far (new rows, or delivered and failed ones opened again). */
  queued: ColumnType<string, string | number | undefined, string | number>;
  error: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Date | null;
}

/** `dispatcher.replay_partitions`: a job's window and progress per partition (also the sender's barrier). */
export interface ReplayPartitionsTable {
  replay_id: string;
  subscription_id: string | null;
  topic: string;
  partition: number;
  start_offset: ColumnType<string, string | number, string | number>;
  end_offset: ColumnType<string, string | number, string | number>;
  next_offset: ColumnType<string, string | number, string | number>;
  cases: string[] | null;
}

/** `dispatcher.case_access_events`: every access event with its place in the log. */
export interface CaseAccessEventsTable {
  topic: string;
  partition: number;
  kafka_offset: ColumnType<string, string | number, string | number>;
  case_id: string;
  value: Buffer;
}
