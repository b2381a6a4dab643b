import {
  amsterdamDate,
  type CaseAccess,
  type CaseState,
  deadlineKeys,
  fasen,
  filterCase,
  filterTimelineEntry,
  listKeys,
  resolveAccess,
  toView,
} from '@ketenhub/case-model';
import { caseDomains, participantRoles } from '@ketenhub/events';
import { AppError, type CaseWorker, type Logger } from '@ketenhub/service';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { caseWorkerOf } from '../api/auth';
import { parseParams } from '../api/query';
import type { ProjectionDb } from '../database';
import {
  type ProcessingLog,
  type ProcessingLogEntry,
  pseudonymise,
  verwerkingsactiviteiten,
} from '../processing-log/processing-log';
import type { StreamHub } from '../stream/hub';
import { caseTimeline, changedCases, listCases } from './case.repository';
import type { CaseReader } from './case-cache';

export interface CaseRoutesDeps {
  db: ProjectionDb;
  /** Base schema whose views point at the active version. */
  schema: string;
  cases: CaseReader;
  processingLog: ProcessingLog;
  streamHub: StreamHub;
  pseudonymKey: string;
  logger: Logger;
  now(): Date;
  /** SSE comment interval keeping proxies from closing idle streams. */
  sseHeartbeatMs?: number;
}

const idParam = z.strictObject({ id: z.uuid({ error: 'must be a chain case id (UUID)' }) });

const listQuery = z.strictObject({
  domein: z.enum(caseDomains).optional(),
  fase: z.enum(fasen as [string, ...string[]]).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  rol: z.enum(participantRoles).optional(),
  zaakreferentie: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  after: z.uuid({ error: 'must be the `next` cursor of a previous page' }).optional(),
});

const timelineQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** How far back a resumed all-cases stream looks before the client's last message (commit order). */
const RESUME_MARGIN_MS = 60_000;
/** More changed cases than this on a resume: the client reloads its list instead. */
const RESUME_MAX_CASES = 1_000;

/** The time in a `Last-Event-ID` of the all-cases stream (`t:<ms>`), if it is one. */
function parseResume(header: string | undefined): number | undefined {
  const m = /^t:(\d{1,15})$/.exec(header ?? '');
  return m?.[1] ? Number(m[1]) : undefined;
}

/** `/cases...`: list, joined case, timeline and live streams; every read is logged first. */
export function caseRoutes(deps: CaseRoutesDeps): Router {
  const router = Router();
  const today = () => amsterdamDate(deps.now());

  const logEntry = (
    req: Request,
    worker: CaseWorker,
    operatie: string,
    activiteit: string,
    caseId: string,
    bsn: string | null | undefined,
    start: Date,
  ): ProcessingLogEntry => ({
    traceId: req.trace.traceId,
    operationId: req.trace.spanId,
    operatie,
    verwerkingsactiviteit: activiteit,
    organisatieOin: worker.oin,
    gebruiker: worker.sub,
    rollen: worker.roles,
    caseId,
    betrokkene: pseudonymise(deps.pseudonymKey, bsn),
    status: 'OK',
    start,
    end: new Date(),
  });

  /** The case as this worker may see it, or a 404 that does not reveal whether it exists. */
  const visibleCase = async (
    worker: CaseWorker,
    id: string,
  ): Promise<{ state: CaseState; access: CaseAccess }> => {
    const state = await deps.cases.find(id);
    const access = resolveAccess(worker, state);
    if (!state || !access) throw new AppError('not-found', `no chain case ${id} for your organisation`);
    return { state, access };
  };

  router.get('/cases', async (req, res) => {
    const start = new Date();
    const worker = caseWorkerOf(res);
    const q = parseParams(listQuery, req.query, 'query');
    if (q.rol && !worker.roles.includes(q.rol)) {
      throw new AppError('invalid-request', 'query.rol: must be one of the roles in your token', {
        violations: [
          {
            field: 'query.rol',
            rule: 'own-role',
            message: 'query.rol: must be one of the roles in your token',
          },
        ],
      });
    }
    const viewer = { oin: worker.oin, roles: q.rol ? [q.rol] : worker.roles };
    const rows = await listCases(deps.db, deps.schema, {
      oin: worker.oin,
      keys: listKeys(viewer),
      deadlineKeys: deadlineKeys(viewer),
      ...(q.domein ? { domein: q.domein } : {}),
      ...(q.fase ? { fase: q.fase } : {}),
      ...(q.overdue ? { overdue: q.overdue === 'true' } : {}),
      ...(q.zaakreferentie ? { zaakreferentie: q.zaakreferentie } : {}),
      ...(q.after ? { after: q.after } : {}),
      today: today(),
      limit: q.limit,
    });
    const day = today();
    const items = rows.map((r) => ({
      id: r.id,
      domein: r.domein,
      procedure: r.procedure,
      fase: r.fase,
      geopendOp: r.geopend_op?.toISOString() ?? null,
      geslotenOp: r.gesloten_op?.toISOString() ?? null,
      volgendeDeadline: r.volgende_deadline,
      overdue: r.volgende_deadline !== null && r.volgende_deadline < day,
      jouwRollen: r.deelnemer_rollen.filter((k) => k.startsWith(`${worker.oin}:`)).map((k) => k.slice(21)),
    }));
    await deps.processingLog.write(
      rows.map((r) =>
        logEntry(req, worker, 'GET /cases', verwerkingsactiviteiten.zoeken, r.id, r.bsn, start),
      ),
    );
    res.json({ items, next: rows.length === q.limit ? (rows[rows.length - 1]?.id ?? null) : null });
  });

  // Registered before /cases/:id so "stream" is not taken for an id.
  router.get('/cases/stream', async (req, res) => {
    const worker = caseWorkerOf(res);
    const resumeFrom = parseResume(req.header('last-event-id'));
    const sub = openStream(req, res, worker, null);
    if (resumeFrom !== undefined && sub) {
      // Cases changed since the last message the client saw, read after subscribing so nothing
      // falls in between; transactions commit out of order, hence the margin. Messages are whole
      // states, so one sent twice is harmless.
      const ids = await changedSince(resumeFrom - RESUME_MARGIN_MS, worker);
      if (ids === 'too-many') sub.resync();
      else sub.offer([...(await deps.cases.findMany(ids)).values()]);
    }
  });

  router.get('/cases/:id', async (req, res) => {
    const start = new Date();
    const worker = caseWorkerOf(res);
    const { id } = parseParams(idParam, req.params, 'path');
    const { state, access } = await visibleCase(worker, id);
    const body = filterCase(toView(state, today()), access);
    await deps.processingLog.write([
      logEntry(req, worker, 'GET /cases/{id}', verwerkingsactiviteiten.inzien, id, state.client.bsn, start),
    ]);
    res.json(body);
  });

  router.get('/cases/:id/events', async (req, res) => {
    const start = new Date();
    const worker = caseWorkerOf(res);
    const { id } = parseParams(idParam, req.params, 'path');
    const q = parseParams(timelineQuery, req.query, 'query');
    const { state, access } = await visibleCase(worker, id);
    const rows = await caseTimeline(deps.db, deps.schema, id, q.offset, q.limit);
    const items = rows
      .map((r) =>
        filterTimelineEntry(
          {
            positie: r.positie,
            source: r.source,
            id: r.event_id,
            type: r.type,
            time: r.event.time,
            data: r.event.data,
          },
          access,
          state,
        ),
      )
      .filter((e) => e !== null);
    await deps.processingLog.write([
      logEntry(
        req,
        worker,
        'GET /cases/{id}/events',
        verwerkingsactiviteiten.tijdlijn,
        id,
        state.client.bsn,
        start,
      ),
    ]);
    res.json({ items, next: rows.length === q.limit ? q.offset + q.limit : null });
  });

  router.get('/cases/:id/stream', async (req, res) => {
    const worker = caseWorkerOf(res);
    const { id } = parseParams(idParam, req.params, 'path');
    const { state } = await visibleCase(worker, id);
    // Resumed with the id of the state the client has: only what comes after it.
    const resumed = req.header('last-event-id') === `${state.id}:${state.aantalEvents}`;
    openStream(req, res, worker, id, resumed ? undefined : state);
  });

  /** Visible cases changed since `ms` (the list's access rule), or 'too-many' to resync. */
  async function changedSince(ms: number, worker: CaseWorker): Promise<string[] | 'too-many'> {
    const rows = await changedCases(deps.db, deps.schema, {
      oin: worker.oin,
      keys: listKeys({ oin: worker.oin, roles: worker.roles }),
      since: new Date(ms),
      limit: RESUME_MAX_CASES + 1,
    });
    return rows.length > RESUME_MAX_CASES ? 'too-many' : rows;
  }

  /**
   * Server-sent events: `event: case` with the filtered joined case after every committed change
   * (and, for one case, its current state first). Each push is a read and is logged before it is
   * sent. `id` is `<case id>:<events folded>` on a case's stream and `t:<ms>` (when it was sent) on
   * the all-cases stream: a client reconnecting with `Last-Event-ID` gets what changed since (see
   * the routes above). `event: resync` asks it to reload its list instead (too much changed).
   */
  function openStream(
    req: Request,
    res: Response,
    worker: CaseWorker,
    caseId: string | null,
    initial?: CaseState,
  ): { offer(states: readonly CaseState[]): void; resync(): void } | undefined {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    let closed = false;
    const operatie = caseId ? 'GET /cases/{id}/stream' : 'GET /cases/stream';
    // One processing-log write for every state in the round, then the messages (see stream/hub.ts).
    const deliver = async (states: readonly CaseState[]) => {
      if (closed) return;
      const start = new Date();
      const day = today();
      const visible: { state: CaseState; body: unknown }[] = [];
      for (const state of states) {
        const access = resolveAccess(worker, state);
        if (access) visible.push({ state, body: filterCase(toView(state, day), access) });
      }
      if (visible.length === 0) return;
      try {
        await deps.processingLog.write(
          visible.map(({ state }) =>
            logEntry(
              req,
              worker,
              operatie,
              verwerkingsactiviteiten.volgen,
              state.id,
              state.client.bsn,
              start,
            ),
          ),
        );
      } catch (error) {
        // Unlogged reads are not sent; the client reconnects (retry) and starts over.
        deps.logger.error({ err: error }, 'stream processing log failed; closing the stream');
        close();
        res.end();
        return;
      }
      if (closed) return;
      const sentAt = `t:${Date.now()}`;
      res.write(
        visible
          .map(
            ({ state, body }) =>
              `event: case\nid: ${caseId ? `${state.id}:${state.aantalEvents}` : sentAt}\ndata: ${JSON.stringify(body)}\n\n`,
          )
          .join(''),
      );
    };
    const heartbeat = setInterval(() => res.write(': ping\n\n'), deps.sseHeartbeatMs ?? 15_000);
    // A stream lives no longer than its token (issue 12): at expiry it ends with a last event, and
    // the page reconnects with a new token, which is checked like any request.
    const expiry = setTimeout(
      () => {
        if (closed) return;
        res.write('event: token-verlopen\ndata: {}\n\n');
        close();
        res.end();
      },
      Math.max(0, Math.min(worker.expiresAtMs - Date.now(), 2 ** 31 - 1)),
    );
    let unsubscribe: () => void = () => undefined;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(expiry);
      unsubscribe();
    };
    const subscriber = { caseId, deliver };
    unsubscribe = deps.streamHub.subscribe(subscriber, initial);
    req.on('close', close);
    res.on('error', close);
    return {
      offer: (states) => {
        if (!closed) deps.streamHub.offer(subscriber, states);
      },
      resync: () => {
        if (!closed) res.write(`event: resync\nid: t:${Date.now()}\ndata: {}\n\n`);
      },
    };
  }

  return router;
}
