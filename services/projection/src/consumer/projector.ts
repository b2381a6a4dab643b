import { isUtf8 } from 'node:buffer';
import {
  type CaseState,
  comparePlaats,
  type EvolveContext,
  fold,
  type Plaats,
  summarise,
} from '@ketenhub/case-model';
import { applyBatchesOnce, applyBatchOnce, type PartitionBatch } from '@ketenhub/db';
import { type KetenEvent, readKafkaRecord, type Violation } from '@ketenhub/events';
import type { ConsumedRecord } from '@ketenhub/kafka';
import { sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type ProjectionDb, untyped } from '../database';
import { FeedRows } from '../feed/feed-rows';
import { TIMELINE_COPY_COLUMNS, type TimelineRow, timelineCopyRows } from './copy-rows';

/**
 * Applies one partition batch to a projection version, in ONE transaction together with the
 * stored position (applyBatchOnce): parse -> record rejects -> insert the timeline (dedupe by
 * source+id on the primary key) -> lock and load the affected cases -> fold -> write back ->
 * NOTIFY (delivered only on commit). A crash anywhere rolls all of it back, position included.
 *
 * Round trips per batch, whatever its size: position lock (2), rejects (0-1), timeline (1),
 * case lock/load (1, +2 when new cases appear), refold load (0-1), case write (1), notify (0-1),
 * position update (1).
 */

/** NOTIFY channel for changed cases; payload `<schema>|<id>,<id>,...` (under PostgreSQL's 8000 bytes). */
export const casesChannel = 'projection_cases';

export interface ProjectorOptions {
  db: ProjectionDb;
  /** Schema of the projection version written to (`projection_v<N>`). */
  schema: string;
  group: string;
  ctx: EvolveContext;
  /** Whether to NOTIFY changed cases (off while a rebuild version is catching up unseen). */
  notify?: () => boolean;
  /** The transaction's own pg connection: large batches then load the timeline with COPY. */
  client?: pg.PoolClient | null;
  /** From this many new events on, COPY is used (default 500; below it the statement is faster). */
  copyMinRecords?: number;
}

export interface BatchResult {
  applied: number;
  duplicates: number;
  rejected: number;
  refolded: number;
  cases: string[];
  /** The same counts per topic (metrics are labelled by topic). */
  byTopic: Map<string, { applied: number; duplicates: number; rejected: number }>;
}

interface Positioned extends TimelineRow {
  event: KetenEvent;
  /** `source` NUL `id`: the event's identity (timeline primary key), built once. */
  key: string;
  /** The first of its key in the batch (later copies are duplicates). */
  first: boolean;
}

const MAX_REJECT_VALUE = 64 * 1024;

/** Applies a partition batch exactly once; returns what it did (undefined when all were seen before). */
export async function projectBatch(
  options: ProjectorOptions,
  key: { topic: string; partition: number },
  records: ConsumedRecord[],
): Promise<{ applied: number; skipped: number; result: BatchResult | undefined }> {
  return applyBatchOnce(
    untyped(options.db),
    options.schema,
    { group: options.group, ...key },
    records,
    (trx, fresh) => projectRecords(trx, options, fresh),
  );
}

/**
 * Applies several partitions' batches exactly once in ONE transaction (one commit, one lock and
 * write per case however many partitions touched it). Records keep their order within a partition;
 * across partitions order never mattered (see {@link projectRecords}).
 */
export async function projectBatches(
  options: ProjectorOptions,
  batches: readonly PartitionBatch<ConsumedRecord>[],
): Promise<{ perBatch: { applied: number; skipped: number }[]; result: BatchResult | undefined }> {
  const { perBatch, result } = await applyBatchesOnce(
    untyped(options.db),
    options.schema,
    options.group,
    batches,
    (trx, fresh) => projectRecords(trx, options, fresh),
  );
  return { perBatch, result };
}

/**
 * Cumulative wall time per phase of {@link projectRecords} in this process, in ms, plus batch and
 * record counts. Read by the benchmark to show where catch-up time goes; costs a few clock reads.
 */
export const projectorStats = {
  parse: 0,
  timeline: 0,
  load: 0,
  fold: 0,
  write: 0,
  feed: 0,
  notify: 0,
  batches: 0,
  records: 0,
};

export async function projectRecords(
  trx: Transaction<unknown>,
  options: ProjectorOptions,
  records: readonly ConsumedRecord[],
): Promise<BatchResult> {
  const table = (name: string) => sql.table(`${options.schema}.${name}`);
  let t = performance.now();
  const lap = (phase: 'parse' | 'timeline' | 'load' | 'fold' | 'write' | 'feed' | 'notify') => {
    const now = performance.now();
    projectorStats[phase] += now - t;
    t = now;
  };
  projectorStats.batches += 1;
  projectorStats.records += records.length;
  const accepted: Positioned[] = [];
  const rejected: { record: ConsumedRecord; violations: Violation[] }[] = [];
  for (const r of records) {
    const parsed = readKafkaRecord(r);
    if (!parsed.ok) {
      rejected.push({ record: r, violations: parsed.violations });
      continue;
    }
    const json = parsed.text;
    // PostgreSQL's jsonb cannot hold U+0000; such an event would fail every retry of the batch
    // and block the partition, so it is rejected here instead.
    if (json.includes('\\u0000')) {
      rejected.push({
        record: r,
        violations: [{ field: 'event', rule: 'no-nul', message: 'event: must not contain U+0000' }],
      });
    } else
      accepted.push({
        event: parsed.event,
        key: `${parsed.event.source}\u0000${parsed.event.id}`,
        first: false,
        // The bytes or the text, not both: a kilobyte string per event kept alive across the
        // transaction's round trips was copied by every scavenge.
        json: r.value && isUtf8(r.value) ? { bytes: r.value } : { text: json },
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
      });
  }

  if (rejected.length > 0) {
    await sql`insert into ${table('rejected')} (topic, partitie, kafka_offset, sleutel, overtredingen, waarde)
      select * from unnest(
        ${rejected.map((x) => x.record.topic)}::text[], ${rejected.map((x) => x.record.partition)}::int[],
        ${rejected.map((x) => x.record.offset)}::bigint[], ${rejected.map((x) => x.record.key)}::text[],
        ${rejected.map((x) => JSON.stringify(x.violations))}::jsonb[],
        ${rejected.map((x) => (x.record.value ? x.record.value.subarray(0, MAX_REJECT_VALUE).toString('utf8').replaceAll('\u0000', '') : null))}::text[])
      on conflict do nothing`.execute(trx);
  }

  lap('parse');
  // Dedupe inside the batch first (the primary key handles earlier batches).
  const seen = new Set<string>();
  const unique: Positioned[] = [];
  for (const p of accepted) {
    if (seen.has(p.key)) continue;
    seen.add(p.key);
    p.first = true;
    unique.push(p);
  }
  const result: BatchResult = {
    applied: 0,
    duplicates: accepted.length - unique.length,
    rejected: rejected.length,
    refolded: 0,
    cases: [],
    byTopic: new Map(),
  };
  const count = (topic: string, outcome: 'applied' | 'duplicates' | 'rejected') => {
    let c = result.byTopic.get(topic);
    if (!c) {
      c = { applied: 0, duplicates: 0, rejected: 0 };
      result.byTopic.set(topic, c);
    }
    c[outcome]++;
  };
  for (const x of rejected) count(x.record.topic, 'rejected');
  if (unique.length === 0) {
    for (const p of accepted) count(p.topic, 'duplicates');
    return result;
  }

  const inserted = await insertTimeline(trx, options, unique);
  lap('timeline');
  const isFresh = (p: Positioned) => p.first && (inserted === 'all' || inserted.has(p.key));
  const byCase = new Map<string, { events: KetenEvent[]; plaatsen: Plaats[] }>();
  let fresh = 0;
  for (const p of unique) {
    if (!isFresh(p)) continue;
    fresh++;
    const plaats: Plaats = { topic: p.topic, partitie: p.partition, offset: Number(p.offset) };
    const list = byCase.get(p.event.subject);
    if (list) {
      list.events.push(p.event);
      list.plaatsen.push(plaats);
    } else byCase.set(p.event.subject, { events: [p.event], plaatsen: [plaats] });
  }
  result.duplicates += unique.length - fresh;
  result.applied = fresh;
  for (const p of accepted) count(p.topic, isFresh(p) ? 'applied' : 'duplicates');
  if (byCase.size === 0) return result;

  // Lock the affected cases in id order (no deadlock with another partition touching the same case).
  const ids = [...byCase.keys()].sort();
  const states = new Map<string, CaseState | null>();
  const rowsLoaded = await sql<{ id: string; state: CaseState | null }>`
    select id, state from ${table('cases')} where id = any(${ids}::uuid[]) order by id for update`.execute(
    trx,
  );
  for (const r of rowsLoaded.rows) states.set(r.id, r.state);
  lap('load');

  // Incremental when the new events come after the case's last folded event in the log (always,
  // unless a case's events reach two partitions); otherwise refold from the whole stored timeline
  // (which already holds this batch's events) in log order.
  const refold = ids.filter((id) => {
    let last = states.get(id)?.laatste ?? null;
    for (const plaats of byCase.get(id)?.plaatsen ?? []) {
      if (last !== null && comparePlaats(last, plaats) >= 0) return true;
      last = plaats;
    }
    return false;
  });
  const next = new Map<string, CaseState>();
  const feed = new FeedRows();
  if (refold.length > 0) {
    const all = await loadTimelines(trx, options.schema, refold);
    for (const id of refold) {
      const t = all.get(id);
      next.set(
        id,
        fold(id, t?.events ?? [], options.ctx, null, t?.plaatsen, feed.collector(id, t?.plaatsen, true)),
      );
    }
    result.refolded = refold.length;
  }
  for (const id of ids) {
    if (next.has(id)) continue;
    const batch = byCase.get(id);
    next.set(
      id,
      fold(
        id,
        batch?.events ?? [],
        options.ctx,
        states.get(id) ?? null,
        batch?.plaatsen,
        feed.collector(id, batch?.plaatsen, false),
      ),
    );
  }

  lap('fold');
  const existing = ids.filter((id) => states.has(id));
  const created = ids.filter((id) => !states.has(id));
  if (existing.length > 0) await writeCases(trx, options.schema, existing, next, 'update');
  if (created.length > 0) {
    // Cases seen for the first time are inserted once, with their state (no placeholder row and
    // second tuple). Should another transaction have created one meanwhile (a case whose events
    // reach two partitions), ON CONFLICT waited for it to commit: refold those from the timeline,
    // which now holds both transactions' events, under the row lock.
    const won = new Set(await writeCases(trx, options.schema, created, next, 'insert'));
    const lost = created.filter((id) => !won.has(id));
    if (lost.length > 0) {
      await sql`select id from ${table('cases')} where id = any(${lost}::uuid[]) order by id for update`.execute(
        trx,
      );
      const all = await loadTimelines(trx, options.schema, lost);
      for (const id of lost) {
        const t = all.get(id);
        next.set(
          id,
          fold(id, t?.events ?? [], options.ctx, null, t?.plaatsen, feed.collector(id, t?.plaatsen, true)),
        );
      }
      await writeCases(trx, options.schema, lost, next, 'update');
      result.refolded += lost.length;
    }
  }

  lap('write');
  await feed.write(trx, options.schema, options.client, options.copyMinRecords);
  lap('feed');
  if (options.notify?.() ?? true) {
    const payloads = notifyPayloads(options.schema, ids);
    await sql`select pg_notify(${casesChannel}, p) from unnest(${payloads}::text[]) as p`.execute(trx);
  }
  lap('notify');
  result.cases = ids;
  return result;
}

/**
 * Stores the batch's events in the timeline; returns the keys of those that were new ('all': every one).
 *
 * Large batches go by COPY under a savepoint: nearly always every event is new (positions are stored
 * with the effects, so only a producer's re-send repeats one), and COPY costs PostgreSQL far less than
 * expanding a JSON array. A repeat makes the COPY fail on the primary key; the savepoint is rolled
 * back and the batch goes through the statement, which skips repeats (`ON CONFLICT DO NOTHING`).
 */
async function insertTimeline(
  trx: Transaction<unknown>,
  options: ProjectorOptions,
  unique: readonly Positioned[],
): Promise<'all' | Set<string>> {
  const table = sql.table(`${options.schema}.timeline`);
  if (options.client && unique.length >= (options.copyMinRecords ?? 500)) {
    await sql`savepoint timeline_copy`.execute(trx);
    try {
      await copyTimeline(options.client, `${options.schema}.timeline`, unique);
      await sql`release savepoint timeline_copy`.execute(trx);
      return 'all';
    } catch (error) {
      if ((error as { code?: unknown }).code !== '23505') throw error;
      await sql`rollback to savepoint timeline_copy`.execute(trx);
    }
  }
  // One JSON parameter expanded in PostgreSQL: about 2.5x faster than unnest() over nine array
  // parameters, which node-pg must render as escaped array literals.
  const inserted = await sql<{ source: string; event_id: string }>`
    insert into ${table} (source, event_id, case_id, type, tijd, topic, partitie, kafka_offset, event)
    select x.e->>'source', x.e->>'id', (x.e->>'subject')::uuid, x.e->>'type', (x.e->>'time')::timestamptz,
      (${pgTextArray(unique.map((p) => p.topic))}::text[])[x.n], (${pgTextArray(unique.map((p) => String(p.partition)))}::int[])[x.n],
      (${pgTextArray(unique.map((p) => p.offset))}::bigint[])[x.n], x.e
    from jsonb_array_elements(${`[${unique.map(jsonText).join(',')}]`}::jsonb) with ordinality as x(e, n)
    on conflict (source, event_id) do nothing
    returning source, event_id`.execute(trx);
  return new Set(inserted.rows.map((r) => `${r.source}\u0000${r.event_id}`));
}

const jsonText = (p: Positioned) => p.json.text ?? p.json.bytes.toString('utf8');

function copyTimeline(client: pg.PoolClient, table: string, rows: readonly Positioned[]): Promise<void> {
  const data = timelineCopyRows(rows);
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`copy ${table} (${TIMELINE_COPY_COLUMNS}) from stdin`));
    stream.on('finish', () => resolve());
    stream.on('error', reject);
    stream.end(data);
  });
}

/** The stored timelines of cases in log order, with each event's place. */
async function loadTimelines(
  trx: Transaction<unknown>,
  schema: string,
  ids: string[],
): Promise<Map<string, { events: KetenEvent[]; plaatsen: Plaats[] }>> {
  const rows = await sql<{
    case_id: string;
    event: KetenEvent;
    topic: string;
    partitie: number;
    kafka_offset: string;
  }>`
    select case_id, event, topic, partitie, kafka_offset from ${sql.table(`${schema}.timeline`)}
    where case_id = any(${ids}::uuid[]) order by case_id, topic, partitie, kafka_offset`.execute(trx);
  const all = new Map<string, { events: KetenEvent[]; plaatsen: Plaats[] }>();
  for (const r of rows.rows) {
    const plaats = { topic: r.topic, partitie: r.partitie, offset: Number(r.kafka_offset) };
    const list = all.get(r.case_id);
    if (list) {
      list.events.push(r.event);
      list.plaatsen.push(plaats);
    } else all.set(r.case_id, { events: [r.event], plaatsen: [plaats] });
  }
  return all;
}

/** Writes cases with their derived columns in one statement; returns the ids written. */
async function writeCases(
  trx: Transaction<unknown>,
  schema: string,
  ids: string[],
  states: Map<string, CaseState>,
  mode: 'insert' | 'update',
): Promise<string[]> {
  const table = sql.table(`${schema}.cases`);
  const rows = ids.map((id) => {
    const state = states.get(id) as CaseState;
    const s = summarise(state);
    return {
      id,
      domein: s.domein,
      procedure: s.procedure,
      fase: s.fase,
      geopend_op: s.geopendOp,
      gesloten_op: s.geslotenOp,
      deelnemer_oins: s.deelnemerOins,
      deelnemer_rollen: s.deelnemerRollen,
      zaakreferenties: s.zaakreferenties,
      volgende_deadline: s.volgendeDeadline,
      volgende_deadline_wmo: s.volgendeDeadlineWmo,
      volgende_deadline_ow: s.volgendeDeadlineOw,
      volgende_deadline_ingebrekestelling: s.volgendeDeadlineIngebrekestelling,
      te_melden_deadline: s.teMeldenDeadline,
      aantal_events: state.aantalEvents,
      state,
    };
  });
  const recordset = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
      id uuid, domein text, procedure text, fase text, geopend_op timestamptz, gesloten_op timestamptz,
      deelnemer_oins text[], deelnemer_rollen text[], zaakreferenties text[], volgende_deadline date,
      volgende_deadline_wmo date, volgende_deadline_ow date, volgende_deadline_ingebrekestelling date,
      te_melden_deadline date, aantal_events integer, state jsonb)`;
  if (mode === 'update') {
    await sql`update ${table} as c set
        domein = v.domein, procedure = v.procedure, fase = v.fase, geopend_op = v.geopend_op,
        gesloten_op = v.gesloten_op, deelnemer_oins = v.deelnemer_oins, deelnemer_rollen = v.deelnemer_rollen,
        zaakreferenties = v.zaakreferenties, volgende_deadline = v.volgende_deadline,
        volgende_deadline_wmo = v.volgende_deadline_wmo, volgende_deadline_ow = v.volgende_deadline_ow,
        volgende_deadline_ingebrekestelling = v.volgende_deadline_ingebrekestelling,
        te_melden_deadline = v.te_melden_deadline, aantal_events = v.aantal_events, state = v.state,
        bijgewerkt_op = now()
      from ${recordset}
      where c.id = v.id`.execute(trx);
    return ids;
  }
  const inserted = await sql<{ id: string }>`
    insert into ${table} (id, domein, procedure, fase, geopend_op, gesloten_op, deelnemer_oins, deelnemer_rollen,
      zaakreferenties, volgende_deadline, volgende_deadline_wmo, volgende_deadline_ow,
      volgende_deadline_ingebrekestelling, te_melden_deadline, aantal_events, state)
    select v.id, v.domein, v.procedure, v.fase, v.geopend_op, v.gesloten_op, v.deelnemer_oins, v.deelnemer_rollen,
      v.zaakreferenties, v.volgende_deadline, v.volgende_deadline_wmo, v.volgende_deadline_ow,
      v.volgende_deadline_ingebrekestelling, v.te_melden_deadline, v.aantal_events, v.state
    from ${recordset}
    order by v.id
    on conflict (id) do nothing
    returning id`.execute(trx);
  return inserted.rows.map((r) => r.id);
}

/**
 * A PostgreSQL array literal of simple values (Kafka topic names, decimal offsets): cheaper than
 * node-pg's generic array rendering. Kafka names are [a-zA-Z0-9._-], so quoting needs no escapes.
 */
function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v}"`).join(',')}}`;
}

/** Splits case ids over NOTIFY payloads below PostgreSQL's 8000-byte limit. */
export function notifyPayloads(schema: string, ids: readonly string[]): string[] {
  const out: string[] = [];
  const perPayload = Math.floor((7_900 - schema.length - 1) / 37);
  for (let i = 0; i < ids.length; i += perPayload)
    out.push(`${schema}|${ids.slice(i, i + perPayload).join(',')}`);
  return out;
}

export function parseNotifyPayload(payload: string): { schema: string; ids: string[] } {
  const bar = payload.indexOf('|');
  return {
    schema: payload.slice(0, bar),
    ids: payload
      .slice(bar + 1)
      .split(',')
      .filter(Boolean),
  };
}
