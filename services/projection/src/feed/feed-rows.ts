import { ontvangers, type Verdict } from '@ketenhub/access';
import type { CaseState, Plaats } from '@ketenhub/case-model';
import type { KetenEvent } from '@ketenhub/events';
import { type Selectable, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyRows } from '../consumer/copy-rows';
import type { FeedTable } from './feed.table';

/**
 * The catch-up feed's index, written with the joined case in the projector's transaction: per
 * event, the organisation-roles (`<oin>:<rol>`) that receive it, decided by the one access rule with
 * the case's access state just after the event — the decision the dispatcher makes for a webhook.
 * One narrow row per event (not one per receiver, which cost as much to write as the timeline
 * itself); events nobody receives (conflicts) get none. A reader scans its partitions in offset
 * order and keeps the rows that name it.
 */
/** A row of the feed table as the projector builds it (the offset still a number). */
export type FeedRow = Omit<Selectable<FeedTable>, 'kafka_offset'> & { kafka_offset: number };

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
      const receivers = ontvangers(state.access, event, verdict);
      if (receivers.length === 0) return;
      let redacties: FeedRow['redacties'] = null;
      for (const o of receivers) {
        if (o.zicht.zicht !== 'beperkt') continue;
        redacties ??= {};
        redacties[`${o.oin}:${o.rol}`] = { redactie: o.zicht.redactie, data: o.zicht.data };
      }
      list.push({
        topic: plaats.topic,
        partitie: plaats.partitie,
        kafka_offset: plaats.offset,
        case_id: caseId,
        positie: state.aantalEvents,
        type: event.type,
        source: event.source,
        event_id: event.id,
        ontvangers: receivers.map((o) => `${o.oin}:${o.rol}`),
        redacties,
      });
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
    await sql`insert into ${table} (topic, partitie, kafka_offset, case_id, positie, type, source, event_id,
        ontvangers, redacties)
      select * from jsonb_to_recordset(${JSON.stringify(all)}::jsonb) as v(topic text, partitie integer,
        kafka_offset bigint, case_id uuid, positie integer, type text, source text, event_id text,
        ontvangers text[], redacties jsonb)
      on conflict do nothing`.execute(trx);
  }
}

const FEED_COPY_COLUMNS =
  'topic, partitie, kafka_offset, case_id, positie, type, source, event_id, ontvangers, redacties';

function copyFeed(client: pg.PoolClient, table: string, rows: readonly FeedRow[]): Promise<void> {
  const out = new CopyRows(rows.length * 200);
  for (const r of rows) {
    out.ascii(r.topic).sep(false).ascii(String(r.partitie)).sep(false).ascii(String(r.kafka_offset));
    out.sep(false).ascii(r.case_id).sep(false).ascii(String(r.positie)).sep(false).text(r.type).sep(false);
    out.text(r.source).sep(false).text(r.event_id).sep(false);
    // An array literal: the elements are `<20 digits>:<role>`, nothing that needs quoting.
    out.ascii(`{${r.ontvangers.join(',')}}`).sep(false);
    if (r.redacties === null) out.nul();
    else out.text(JSON.stringify(r.redacties));
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
