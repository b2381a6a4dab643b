import type { Db } from '../db';
import type { Herkomst } from '../mapping/koppeling';
import type { KoppelingRow } from './koppelingen.table';

const table = 'connector_zgw.koppelingen' as const;

export interface Koppeling {
  bron: string;
  zaakUrl: string;
  ketenzaakId: string;
  herkomst: Herkomst;
  sinds: string;
}

export function toKoppeling(row: KoppelingRow): Koppeling {
  return {
    bron: row.bron,
    zaakUrl: row.zaak_url,
    ketenzaakId: row.ketenzaak_id,
    herkomst: row.herkomst,
    sinds: row.created_at.toISOString(),
  };
}

export async function findKoppeling(
  db: Db,
  bron: string,
  zaakUrl: string,
): Promise<KoppelingRow | undefined> {
  return db
    .selectFrom(table)
    .selectAll()
    .where('bron', '=', bron)
    .where('zaak_url', '=', zaakUrl)
    .executeTakeFirst();
}

/** Chain case ids of those of `zaakUrls` that are linked. */
export async function linkedAmong(
  db: Db,
  bron: string,
  zaakUrls: readonly string[],
): Promise<Map<string, string>> {
  if (zaakUrls.length === 0) return new Map();
  const rows = await db
    .selectFrom(table)
    .select(['zaak_url', 'ketenzaak_id'])
    .where('bron', '=', bron)
    .where('zaak_url', 'in', zaakUrls)
    .execute();
  return new Map(rows.map((r) => [r.zaak_url, r.ketenzaak_id]));
}

/**
 * Links a zaak unless it is linked already, and returns the link that holds afterwards: the new one,
 * or the one another transaction (or the integrator) made first. A zaak belongs to one chain case.
 */
export async function ensureKoppeling(
  db: Db,
  link: { bron: string; zaakUrl: string; ketenzaakId: string; herkomst: Herkomst },
): Promise<KoppelingRow> {
  await db
    .insertInto(table)
    .values({
      bron: link.bron,
      zaak_url: link.zaakUrl,
      ketenzaak_id: link.ketenzaakId,
      herkomst: link.herkomst,
    })
    .onConflict((oc) => oc.columns(['bron', 'zaak_url']).doNothing())
    .execute();
  const row = await findKoppeling(db, link.bron, link.zaakUrl);
  if (!row) throw new Error('link vanished right after it was written');
  return row;
}
