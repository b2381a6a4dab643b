import type { ColumnType } from 'kysely';

/** `gateway.cases`: the domain and opener of each chain case the gateway has seen opened. */
export interface CasesTable {
  case_id: string;
  domain: string;
  opened_by: string;
  opened_at: ColumnType<Date, Date | undefined, never>;
}

/** `gateway.case_participants`: organisations (OIN) taking part in a chain case. */
export interface CaseParticipantsTable {
  case_id: string;
  oin: string;
  role: string;
}
