import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { ProjectionDb } from '../database';

/** Processing activities of the projection (register entries, Logboek Dataverwerkingen). */
export const verwerkingsactiviteiten = {
  inzien: 'https://ketenhub.nl/verwerkingsactiviteiten/ketenzaak-inzien',
  tijdlijn: 'https://ketenhub.nl/verwerkingsactiviteiten/ketenzaak-tijdlijn-inzien',
  zoeken: 'https://ketenhub.nl/verwerkingsactiviteiten/ketenzaken-zoeken',
  volgen: 'https://ketenhub.nl/verwerkingsactiviteiten/ketenzaak-volgen',
} as const;

export interface ProcessingLogEntry {
  traceId: string;
  operationId: string;
  operatie: string;
  verwerkingsactiviteit: string;
  organisatieOin: string;
  gebruiker: string;
  rollen: readonly string[];
  caseId: string | null;
  betrokkene: string | null;
  status: 'OK' | 'ERROR';
  start: Date;
  end: Date;
}

/** The pseudonymised data subject: HMAC-SHA256 of the BSN, so the log never holds a BSN. */
export function pseudonymise(key: string, bsn: string | undefined | null): string | null {
  if (!bsn) return null;
  return createHmac('sha256', key).update(bsn).digest('hex');
}

export interface ProcessingLog {
  /** Resolves once the entries are committed; a read must not be answered before that. */
  write(entries: readonly ProcessingLogEntry[]): Promise<void>;
  query(caseId: string, limit: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Durable, group-committed writes: entries arriving while inserts are in flight are batched into
 * the next one, so 1,000 reads per second cost a few hundred commits instead of 1,000, and every
 * request still waits for its own entry to be committed.
 */
export function createProcessingLog(
  db: ProjectionDb,
  schema: string,
  maxBatch = 500,
  maxInFlight = 2,
): ProcessingLog {
  const table = sql.table(`${schema}.processing_log`);
  let pending: { entry: ProcessingLogEntry; done: (error?: Error) => void }[] = [];
  const inFlight = new Set<Promise<void>>();

  const insert = async (batch: typeof pending): Promise<void> => {
    const e = batch.map((b) => b.entry);
    try {
      await sql`insert into ${table} (trace_id, operation_id, operatie, verwerkingsactiviteit, organisatie_oin,
          gebruiker, rollen, case_id, betrokkene, status, start_tijd, eind_tijd)
        select t.trace_id, t.operation_id, t.operatie, t.activiteit, t.oin, t.gebruiker,
          string_to_array(t.rollen, ','), t.case_id, t.betrokkene, t.status, t.start_tijd, t.eind_tijd
        from unnest(${e.map((x) => x.traceId)}::text[], ${e.map((x) => x.operationId)}::text[],
          ${e.map((x) => x.operatie)}::text[], ${e.map((x) => x.verwerkingsactiviteit)}::text[],
          ${e.map((x) => x.organisatieOin)}::text[], ${e.map((x) => x.gebruiker)}::text[],
          ${e.map((x) => x.rollen.join(','))}::text[], ${e.map((x) => x.caseId)}::uuid[],
          ${e.map((x) => x.betrokkene)}::text[], ${e.map((x) => x.status)}::text[],
          ${e.map((x) => x.start.toISOString())}::timestamptz[], ${e.map((x) => x.end.toISOString())}::timestamptz[])
          as t(trace_id, operation_id, operatie, activiteit, oin, gebruiker, rollen, case_id, betrokkene, status, start_tijd, eind_tijd)`.execute(
        db,
      );
      for (const b of batch) b.done();
    } catch (error) {
      for (const b of batch) b.done(error as Error);
    }
  };

  // Up to `maxInFlight` inserts at once. Two: a request waits for at most the insert in flight and
  // its own; more in flight means smaller batches and more PostgreSQL CPU per entry, which at
  // 1,000 reads a second on two shared cores costs more latency than it saves.
  const kick = () => {
    while (pending.length > 0 && inFlight.size < maxInFlight) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      const p: Promise<void> = insert(batch).finally(() => {
        inFlight.delete(p);
        kick();
      });
      inFlight.add(p);
    }
  };

  return {
    write(entries) {
      if (entries.length === 0) return Promise.resolve();
      const promises = entries.map(
        (entry) =>
          new Promise<void>((resolve, reject) => {
            pending.push({ entry, done: (error) => (error ? reject(error) : resolve()) });
          }),
      );
      kick();
      return Promise.all(promises).then(() => undefined);
    },
    async query(caseId, limit) {
      const rows = await sql<Record<string, unknown>>`
        select id, trace_id, operation_id, operatie, verwerkingsactiviteit, organisatie_oin, gebruiker, rollen,
          case_id, betrokkene, status, start_tijd, eind_tijd
        from ${table} where case_id = ${caseId} order by start_tijd desc, id desc limit ${limit}`.execute(db);
      return rows.rows;
    },
    async close() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
