import { toViolations } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectorDatabase } from '../db';
import { eventsOf } from '../outbox/outbox.repository';
import { listAandacht, requeue } from './notificaties.repository';
import { notificatieStatussen } from './notificaties.table';

export interface OnverwerktDeps {
  db: Kysely<ConnectorDatabase>;
  onRequeued: () => void;
}

const listQuery = z.strictObject({
  /** Default: what needs the operator (onverwerkt, geweigerd, wacht). */
  status: z.enum(notificatieStatussen).optional(),
  reden: z.string().min(1).max(100).optional(),
  bron: z.string().min(1).max(63).optional(),
  /** Keyset: items older than this id (the previous page's `volgende`). */
  voor: z
    .string()
    .regex(/^\d{1,19}$/, { error: 'must be an id from volgende' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const requeueBody = z
  .strictObject({
    ids: z
      .array(z.string().regex(/^\d{1,19}$/, { error: 'must be a notification id' }))
      .min(1)
      .max(1000)
      .optional(),
    status: z.enum(['onverwerkt', 'geweigerd', 'wacht', 'genegeerd']).optional(),
    reden: z.string().min(1).max(100).optional(),
    bron: z.string().min(1).max(63).optional(),
  })
  .refine((b) => b.ids !== undefined || b.status !== undefined || b.reden !== undefined, {
    error: 'give ids, or status and/or reden',
    path: ['ids'],
  });

const invalid = (issues: z.core.$ZodIssue[], input: unknown, what: string) =>
  new AppError('invalid-request', what, { violations: toViolations(issues, [], input) });

/**
 * The operator's view of notifications that were answered 2xx but are not (all) in the hub, with the
 * reason, and the way to queue them again once the cause is fixed. Never shows event data: the
 * notification is URLs and kenmerken only; a refusal shows the gateway's problem.
 */
export function onverwerktRouter(deps: OnverwerktDeps): Router {
  const router = Router();

  router.get('/onverwerkt', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw invalid(parsed.error.issues, req.query, 'the query is not valid');
    const q = parsed.data;
    const rows = await listAandacht(deps.db, {
      statussen: q.status ? [q.status] : ['onverwerkt', 'geweigerd', 'wacht'],
      reden: q.reden,
      bron: q.bron,
      voor: q.voor,
      limit: q.limit,
    });
    const events = await eventsOf(
      deps.db,
      rows.map((r) => r.id),
    );
    res.json({
      items: rows.map((r) => ({
        id: r.id,
        bron: r.bron,
        status: r.status,
        reden: r.reden,
        detail: r.detail,
        ...(r.problem ? { problem: r.problem } : {}),
        kanaal: r.kanaal,
        resource: r.resource,
        actie: r.actie,
        hoofdObject: r.hoofd_object,
        resourceUrl: r.resource_url,
        aanmaakdatum: r.aanmaakdatum,
        kenmerken: r.kenmerken,
        zaakUrl: r.zaak_url,
        ontvangenOp: r.ontvangen_op.toISOString(),
        afgehandeldOp: r.afgehandeld_op?.toISOString() ?? null,
        pogingen: r.attempts,
        laatsteFout: r.last_error,
        events: events
          .filter((e) => e.notificatie_id === r.id)
          .map((e) => ({
            id: e.event_id,
            type: e.type,
            status: e.status,
            ...(e.problem ? { problem: e.problem } : {}),
          })),
      })),
      volgende: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
    });
  });

  router.post('/onverwerkt/opnieuw', async (req, res) => {
    const parsed = requeueBody.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error.issues, req.body, 'the request is not valid');
    const b = parsed.data;
    let ids = b.ids ?? [];
    if (!b.ids) {
      // Every match, in pages: a re-queue after a configuration fix may concern thousands.
      for (let voor: string | undefined; ; ) {
        const page = await listAandacht(deps.db, {
          statussen: b.status ? [b.status] : ['onverwerkt', 'geweigerd', 'wacht'],
          reden: b.reden,
          bron: b.bron,
          voor,
          limit: 1000,
        });
        ids = ids.concat(page.map((r) => r.id));
        if (page.length < 1000) break;
        voor = page.at(-1)?.id;
      }
    }
    const queued = await deps.db.transaction().execute((trx) => requeue(trx, ids));
    if (queued.length > 0) deps.onRequeued();
    res.json({ opnieuwInBehandeling: queued.length, ids: queued });
  });

  return router;
}
