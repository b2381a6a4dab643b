import { ontvangers, type Verdict } from '@ketenhub/access';
import type { KetenEvent } from '@ketenhub/events';
import { sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CaseState, Plaats } from '../cases/state';
import { CopyRows } from '../consumer/copy-rows';

/**
 * The catch-up feed's index, written with the joined case in the projector's transaction: one row
 * per (event, organisation:role that receives it), decided by the one access rule with the case's
 * access state just after the event — the same decision the dispatcher makes for a webhook. A pull
 * consumer then reads its rows by an index instead of judging every event at read time.
 */
export interface FeedRow {
  ontvanger: string;
  topic: string;
  partitie: number;
  kafka_offset: number;
  case_id: string;
  positie: number;
  type: string;
  source: string;
  event_id: string;
  /** Set when the receiver sees a redacted copy: its name and the redacted data. */
  redactie: string | null;
  data: Record<string, unknown> | null;
}

export class FeedRows {
  private readonly rows = new Map<string, FeedRow[]>();
  /** Cases folded again from the start: their stored rows are replaced. */
  private readonly replaced = new Set<string>();

  /** The `onFolded` callback of one case's fold; `fromStart`: the case is refolded from its timeline. */
  collector(caseId: string, plaatsen: readonly Plaats[] | undefined, fromStart: boolean) {
    const list: FeedRow[] = [];
    this.rows.set(caseId, list);
    if (fromStart) this.replaced.add(caseId);
    return (event: KetenEvent, state: CaseState, verdict: Verdict, index: number) => {
      const plaats = plaatsen?.[index];
      if (!plaats) return;
      for (const o of ontvangers(state.access, event, verdict)) {
        list.push({
          ontvanger: `${o.oin}:${o.rol}`,
          topic: plaats.topic,
          partitie: plaats.partitie,
          kafka_offset: plaats.offset,
          case_id: caseId,
          positie: state.aantalEvents,
          type: event.type,
          source: event.source,
          event_id: event.id,
          redactie: o.zicht.zicht === 'beperkt' ? o.zicht.redactie : null,
          data: o.zicht.zicht === 'beperkt' ? o.zicht.data : null,
        });
      }
    };
  }

  /**
   * Stores the collected rows. Many go by COPY on the transaction's own connection under a
   * savepoint (as the timeline does: a row seen before makes it fail on the primary key, and the
   * statement below, which skips those, stores them instead); few by one statement.
   */
  async write(
    trx: Transaction<unknown>,
    schema: string,
    client?: pg.PoolClient | null,
    copyMinRows = 500,
  ): Promise<void> {
    const table = sql.table(`${schema}.feed`);
    if (this.replaced.size > 0) {
      await sql`delete from ${table} where case_id = any(${[...this.replaced]}::uuid[])`.execute(trx);
    }
    const all = [...this.rows.values()].flat();
    if (all.length === 0) return;
    if (client && all.length >= copyMinRows) {
      await sql`savepoint feed_copy`.execute(trx);
      try {
        await copyFeed(client, `${schema}.feed`, all);
        await sql`release savepoint feed_copy`.execute(trx);
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== '23505') throw error;
        await sql`rollback to savepoint feed_copy`.execute(trx);
      }
    }
    // One JSON parameter expanded in PostgreSQL, as the projector writes cases (see writeCases).
    await sql`insert into ${table} (ontvanger, topic, partitie, kafka_offset, case_id, positie, type, source,
        event_id, redactie, data)
      select * from jsonb_to_recordset(${JSON.stringify(all)}::jsonb) as v(ontvanger text, topic text,
        partitie integer, kafka_offset bigint, case_id uuid, positie integer, type text, source text,
        event_id text, redactie text, data jsonb)
      on conflict do nothing`.execute(trx);
  }
}

const FEED_COPY_COLUMNS =
  'ontvanger, topic, partitie, kafka_offset, case_id, positie, type, source, event_id, redactie, data';

function copyFeed(client: pg.PoolClient, table: string, rows: readonly FeedRow[]): Promise<void> {
  const out = new CopyRows(rows.length * 200);
  for (const r of rows) {
    out.text(r.ontvanger).sep(false).ascii(r.topic).sep(false).ascii(String(r.partitie)).sep(false);
    out.ascii(String(r.kafka_offset)).sep(false).ascii(r.case_id).sep(false).ascii(String(r.positie));
    out.sep(false).text(r.type).sep(false).text(r.source).sep(false).text(r.event_id).sep(false);
    if (r.redactie === null) out.nul();
    else out.text(r.redactie);
    out.sep(false);
    if (r.data === null) out.nul();
    else out.text(JSON.stringify(r.data));
    out.sep(true);
  }
  const data = out.done();
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`copy ${table} (${FEED_COPY_COLUMNS}) from stdin`));
    stream.on('finish', () => resolve());
    stream.on('error', reject);
    stream.end(data);
  });
}
