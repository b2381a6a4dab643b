import type { KetenEvent } from '@ketenhub/events';
import type { Kysely, Transaction } from 'kysely';
import type { DispatcherDatabase } from '../db';

type Db = Kysely<DispatcherDatabase> | Transaction<DispatcherDatabase>;

/** The two types that make an organisation a participant of a chain case. */
export const participationTypes: ReadonlySet<string> = new Set([
  'nl.ketens.ketenzaak-geopend',
  'nl.ketens.deelnemer-aangesloten',
]);

/**
 * Pure: the organisation an event makes a participant of its chain case. The opener takes part
 * from the opening on; a joining organisation from its deelnemer-aangesloten on (so it receives
 * that event itself, and nothing from before it joined).
 */
export function participantOf(event: KetenEvent): { caseId: string; oin: string } | undefined {
  switch (event.type) {
    case 'nl.ketens.ketenzaak-geopend':
    case 'nl.ketens.deelnemer-aangesloten':
      return { caseId: event.subject, oin: event.data.oin };
    default:
      return undefined;
  }
}

/** Participants of the given chain cases. */
export async function loadParticipants(
  db: Db,
  caseIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (caseIds.length === 0) return out;
  const rows = await db
    .selectFrom('dispatcher.case_participants')
    .select(['case_id', 'oin'])
    .where('case_id', 'in', [...new Set(caseIds)])
    .execute();
  for (const row of rows) {
    const set = out.get(row.case_id) ?? new Set<string>();
    set.add(row.oin);
    out.set(row.case_id, set);
  }
  return out;
}

export async function recordParticipants(db: Db, rows: readonly { caseId: string; oin: string }[]) {
  if (rows.length === 0) return;
  await db
    .insertInto('dispatcher.case_participants')
    .values(rows.map((r) => ({ case_id: r.caseId, oin: r.oin })))
    .onConflict((oc) => oc.columns(['case_id', 'oin']).doNothing())
    .execute();
}
