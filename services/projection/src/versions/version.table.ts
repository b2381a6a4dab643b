import type { ColumnType } from 'kysely';

/** Projection versions: each is a schema built by its own consumer group from the start of the topics. */
export interface VersionTable {
  versie: number;
  schema_naam: string;
  group_id: string;
  /** `bouwen`: being rebuilt, not serving; `actief`: serves reads (at most one); `oud`: replaced. */
  status: 'bouwen' | 'actief' | 'oud';
  aangemaakt_op: ColumnType<Date, never, never>;
  geactiveerd_op: ColumnType<Date | null, never, string | null>;
  /** The shape of the joined case the version holds (STATE_FORMAT in versions.ts). */
  formaat: ColumnType<number, number | undefined, number>;
}
