import type { KnownSystem } from '@ketenhub/directory';
import { participantRoles } from '@ketenhub/events';
import { AppError, bearerToken, type Logger } from '@ketenhub/service';
import { type Request, Router } from 'express';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { parseParams } from '../api/query';
import { type ProcessingLog, pseudonymise, verwerkingsactiviteiten } from '../processing-log/processing-log';
import type { StreamHub } from '../stream/hub';
import { advance, decodeCursor, encodeCursor } from './cursor';

/** A registered system as the feed needs it (from the registry's systems topic). */
export type FeedSystem = Pick<KnownSystem, 'id' | 'oin' | 'roles' | 'consumes'>;

export interface SystemLookup {
  /** The active system holding this bearer token (reading the registry's topic on a miss). */
  byTokenFresh(token: string): Promise<FeedSystem | undefined>;
}

export interface FeedRoutesDeps {
  db: Kysely<unknown>;
  /** Base schema whose views point at the active version. */
  schema: string;
  systems: SystemLookup;
  processingLog: ProcessingLog;
  streamHub: StreamHub;
  pseudonymKey: string;
  logger: Logger;
  /** Longest `wait` a caller may ask for, in seconds. */
  maxWaitS?: number;
}

const params = z.strictObject({ systemId: z.uuid({ error: 'must be the id of your system' }) });

const MAX_WAIT_S = 30;

const query = z.strictObject({
  after: z.string().max(100_000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  types: z
    .string()
    .max(5_000)
    .optional()
    .transform((t) => (t === undefined || t === '' ? undefined : t.split(','))),
  wait: z.coerce.number().int().min(0).max(MAX_WAIT_S).default(0),
});

interface Row {
  topic: string;
  partitie: number;
  kafka_offset: string;
  case_id: string;
  positie: number;
  rollen: string[];
  redactie: string | null;
  data: Record<string, unknown> | null;
  /** The event as stored, as JSON text: passed into the answer without parsing it. */
  event: string;
  bsn: string | null;
}

/**
 * `GET /feeds/{systemId}/events`: the catch-up feed for systems that pull (issue 13). A system's
 * permitted events, in log order per chain case, exactly as webhooks would have delivered them
 * (the one access rule, decided at each event's place in the log), with an opaque resumable cursor
 * and, per chain case, a consecutive `volgnummer` over what this reader receives, so a gap shows.
 */
export function feedRoutes(deps: FeedRoutesDeps): Router {
  const router = Router();
  const view = (name: string) => sql.table(`${deps.schema}.${name}`);

  router.get('/feeds/:systemId/events', async (req, res) => {
    const start = new Date();
    const system = await deps.systems.byTokenFresh(bearerToken(req.header('authorization')));
    if (!system) throw new AppError('unauthenticated', 'the token is not a valid system token');
    const { systemId } = parseParams(params, req.params, 'path');
    if (systemId !== system.id) {
      throw new AppError('forbidden', 'a system reads its own feed only', {
        violations: [
          { field: 'path.systemId', rule: 'own-system', message: 'path.systemId: must be your own system' },
        ],
      });
    }
    const q = parseParams(query, req.query, 'query');
    const consumes = system.consumes;
    const unknown = (q.types ?? []).filter((t) => !consumes.has(t));
    if (unknown.length > 0) {
      throw new AppError('invalid-request', 'query.types: only types your system registered to consume', {
        violations: [
          {
            field: 'query.types',
            rule: 'consumed-type',
            message: `query.types: ${unknown.join(', ')} not registered to consume; registered: ${[...consumes].join(', ')}`,
          },
        ],
      });
    }
    const types = q.types ?? [...consumes];
    const keys = [...system.roles]
      .filter((r) => (participantRoles as readonly string[]).includes(r))
      .map((r) => `${system.oin}:${r}`);
    const cursor = decodeCursor(q.after);

    const read = async (): Promise<Row[]> => {
      if (keys.length === 0 || types.length === 0) return [];
      const positions = JSON.stringify(
        [...cursor.values()].map((c) => ({ topic: c.topic, partitie: c.partitie, kafka_offset: c.offset })),
      );
      // Per partition from its cursor (the primary key's index), then merged by offset so that
      // partitions interleave. A partition's rows commit in offset order, so nothing at or below its
      // cursor can still appear. An event a system receives in several roles has a row per role.
      // Rows per (partition, role) straight off the primary key's order, merged and cut to the
      // page before anything is joined: an event has at most one row per role, so the first
      // `limit` events are complete within `limit × roles` rows.
      const rowsWanted = q.limit * keys.length;
      const r = await sql<Omit<Row, 'rollen'> & { rol: string }>`
        with bounds as (
          select p.topic, p.partition as partitie, coalesce(c.kafka_offset, -1) as after
          from (select distinct topic, partition from ${view('consumer_positions')}) p
          left join jsonb_to_recordset(${positions}::jsonb) as c(topic text, partitie integer, kafka_offset bigint)
            on c.topic = p.topic and c.partitie = p.partition
        ),
        page as (
          select f.* from bounds b
          cross join unnest(${keys}::text[]) as k(ontvanger)
          cross join lateral (
            select * from ${view('feed')} f
            where f.ontvanger = k.ontvanger and f.topic = b.topic and f.partitie = b.partitie
              and f.kafka_offset > b.after and f.type = any(${types}::text[])
            order by f.kafka_offset
            limit ${q.limit}
          ) f
          order by f.kafka_offset, f.topic, f.partitie, f.ontvanger
          limit ${rowsWanted}
        )
        select f.topic, f.partitie, f.kafka_offset::text as kafka_offset, f.case_id, f.positie,
          split_part(f.ontvanger, ':', 2) as rol, f.redactie, f.data, t.event::text as event, c.bsn
        from page f
        join ${view('timeline')} t on t.source = f.source and t.event_id = f.event_id
        left join ${view('cases')} c on c.id = f.case_id
        order by f.kafka_offset, f.topic, f.partitie, f.ontvanger`.execute(deps.db);
      // One item per event, with the roles it is received in; the first `limit` events.
      const out: Row[] = [];
      for (const row of r.rows) {
        const last = out[out.length - 1];
        if (
          last &&
          last.topic === row.topic &&
          last.partitie === row.partitie &&
          last.kafka_offset === row.kafka_offset
        ) {
          last.rollen.push(row.rol);
          continue;
        }
        if (out.length === q.limit) break;
        const { rol, ...rest } = row;
        out.push({ ...rest, rollen: [rol] });
      }
      return out;
    };

    let rows = await read();
    if (rows.length === 0 && q.wait > 0) {
      rows = await waitForChange(
        deps.streamHub,
        Math.min(q.wait, deps.maxWaitS ?? MAX_WAIT_S) * 1000,
        req,
      ).then(() => read());
    }

    // The processing log is written while the page is numbered: the answer waits for both.
    const logged = deps.processingLog.write(
      [...new Map(rows.map((r) => [r.case_id, r])).values()].map((r) => ({
        traceId: req.trace.traceId,
        operationId: req.trace.spanId,
        operatie: 'GET /feeds/{systemId}/events',
        verwerkingsactiviteit: verwerkingsactiviteiten.volgen,
        organisatieOin: system.oin,
        gebruiker: `systeem:${system.id}`,
        rollen: [...system.roles],
        caseId: r.case_id,
        betrokkene: pseudonymise(deps.pseudonymKey, r.bsn),
        status: 'OK' as const,
        start,
        end: new Date(),
      })),
    );

    // Per chain case, the number of earlier events this reader receives (same types): the page's
    // events are numbered on from there, so a reader sees a gap in what it received.
    const firsts = new Map<string, number>();
    for (const r of rows) if (!firsts.has(r.case_id)) firsts.set(r.case_id, r.positie);
    const before = new Map<string, number>();
    if (firsts.size > 0) {
      const counts = await sql<{ case_id: string; n: string }>`
        select f.case_id, count(distinct f.positie) as n
        from ${view('feed')} f
        join jsonb_to_recordset(${JSON.stringify([...firsts].map(([case_id, positie]) => ({ case_id, positie })))}::jsonb)
          as x(case_id uuid, positie integer) on x.case_id = f.case_id
        where f.ontvanger = any(${keys}::text[]) and f.type = any(${types}::text[]) and f.positie < x.positie
        group by f.case_id`.execute(deps.db);
      for (const c of counts.rows) before.set(c.case_id, Number(c.n));
    }
    // Written as text around the stored events: parsing 1,000 events only to serialize them again
    // was a fifth of a page's time.
    const items = rows.map((r) => {
      const volgnummer = (before.get(r.case_id) ?? 0) + 1;
      before.set(r.case_id, volgnummer);
      const event = r.redactie
        ? JSON.stringify({ ...(JSON.parse(r.event) as object), data: r.data, redactie: r.redactie })
        : r.event;
      return `{"volgnummer":${volgnummer},"positie":${r.positie},"rollen":${JSON.stringify(r.rollen)},"event":${event}}`;
    });
    await logged;
    res
      .type('application/json')
      .send(
        `{"items":[${items.join(',')}],"cursor":${JSON.stringify(encodeCursor(advance(cursor, rows)))},"more":${rows.length === q.limit}}`,
      );
  });

  return router;
}

/** Resolves when any chain case changes (the projector's NOTIFY), after `ms`, or when the caller leaves. */
function waitForChange(hub: StreamHub, ms: number, req: Request): Promise<void> {
  return new Promise((resolve) => {
    let unsubscribe = () => undefined as void;
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      req.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    unsubscribe = hub.subscribe({
      caseId: null,
      deliver: async () => done(),
    });
    req.on('close', done);
  });
}
