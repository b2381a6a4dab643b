import type { ColumnType, Selectable } from 'kysely';
import type { Herkomst } from '../mapping/koppeling';

/** `connector_zgw.koppelingen`: which chain case a zaak of a source belongs to. */
export interface KoppelingenTable {
  bron: string;
  zaak_url: string;
  ketenzaak_id: string;
  herkomst: Herkomst;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type KoppelingRow = Selectable<KoppelingenTable>;
