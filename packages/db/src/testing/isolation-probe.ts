import { type Kysely, sql } from 'kysely';

/** Writes `marker` into a table every isolation test file shares by name, and returns all markers seen. */
export async function isolationProbe(db: Kysely<unknown>, marker: string): Promise<string[]> {
  await sql`create table if not exists isolation_probe (marker text not null)`.execute(db);
  await sql`insert into isolation_probe values (${marker})`.execute(db);
  const rows = await sql<{ marker: string }>`select marker from isolation_probe order by marker`.execute(db);
  return rows.rows.map((r) => r.marker);
}
