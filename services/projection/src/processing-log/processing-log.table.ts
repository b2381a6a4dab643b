import type { ColumnType, Generated } from 'kysely';

/**
 * Processing log after Logius' Logboek Dataverwerkingen: one row per read of a chain case per
 * data subject, written durably before the response leaves.
 */
export interface ProcessingLogTable {
  id: Generated<string>;
  trace_id: string;
  operation_id: string;
  /** What was done, e.g. `GET /cases/{id}`. */
  operatie: string;
  /** Processing activity id (register of processing activities). */
  verwerkingsactiviteit: string;
  organisatie_oin: string;
  /** The case worker's subject at their identity provider. */
  gebruiker: string;
  rollen: string[];
  case_id: string | null;
  /** HMAC-SHA256 of the BSN with the configured key; null when the case has no data subject yet. */
  betrokkene: string | null;
  status: 'OK' | 'ERROR';
  start_tijd: ColumnType<Date, Date, never>;
  eind_tijd: ColumnType<Date, Date, never>;
}
