import { toViolations } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DispatcherDatabase } from '../db';
import type { JobsService } from '../replays/jobs';
import { backfillRequestSchema, replayRequestSchema, requeueRequestSchema } from '../replays/requests';
import {
  countFailed,
  getDelivery,
  listDeliveries,
  requeueFailed,
  resumeSubscription,
  subscriptionStatus,
  subscriptionsOverview,
} from './outbox';

const listQuery = z.strictObject({
  status: z.enum(['failed', 'pending', 'delivered', 'cancelled']).default('failed'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().regex(/^\d+$/, { error: 'must be a delivery id' }).optional(),
});

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('invalid-request', `the ${where} is not valid`, {
    violations: toViolations(r.error.issues, [where], value),
  });
}

function uuidParam(raw: unknown, what: string): string {
  const r = z.uuid().safeParse(raw);
  if (!r.success) throw new AppError('not-found', `no ${what} with this id`);
  return r.data;
}

/**
 * Operator endpoints (operator token; the CLI's API, docs/dispatcher.md "Operator API"): every
 * subscription's queue, one subscription's status and deliveries, re-queueing parked ones,
 * resuming after a stop, and replays and backfills. Answers carry ids, types and statuses, never
 * event bodies (they hold personal data).
 */
export function deliveriesRouter(
  db: Kysely<DispatcherDatabase>,
  wake: () => void,
  jobs: JobsService,
): Router {
  const router = Router();

  const status = async (id: string) => {
    const found = await subscriptionStatus(db, id);
    if (!found) throw new AppError('not-found', `no subscription with id ${id}`);
    return found;
  };

  router.get('/subscriptions', async (_req, res) => {
    res.json({ subscriptions: await subscriptionsOverview(db) });
  });

  router.get('/subscriptions/:id/status', async (req, res) => {
    res.json(await status(uuidParam(req.params.id, 'subscription')));
  });

  router.get('/subscriptions/:id/deliveries', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    await status(id);
    const q = parse(listQuery, req.query, 'query');
    const items = await listDeliveries(db, id, {
      status: q.status,
      limit: q.limit,
      ...(q.after ? { afterId: q.after } : {}),
    });
    res.json({ deliveries: items, next: items.length === q.limit ? items.at(-1)?.id : null });
  });

  router.post('/subscriptions/:id/deliveries/requeue', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    await status(id);
    const { ids, dryRun } = parse(requeueRequestSchema, req.body, 'body');
    if (dryRun) {
      res.json({ dryRun: true, requeued: 0, wouldRequeue: await countFailed(db, id, ids) });
      return;
    }
    const requeued = await requeueFailed(db, id, ids);
    wake();
    res.json({ requeued });
  });

  router.get('/subscriptions/:id/deliveries/:deliveryId', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    const deliveryId = String(req.params.deliveryId);
    const found = /^\d+$/.test(deliveryId) ? await getDelivery(db, id, deliveryId) : undefined;
    if (!found) throw new AppError('not-found', `no delivery ${deliveryId} of subscription ${id}`);
    res.json(found);
  });

  router.post('/subscriptions/:id/resume', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    if (!(await resumeSubscription(db, id))) throw new AppError('not-found', `no subscription with id ${id}`);
    wake();
    res.json(await status(id));
  });

  const started = (
    res: Parameters<Parameters<Router['post']>[1]>[1],
    id: string,
    r: Awaited<ReturnType<JobsService['replay']>>,
  ) => {
    if (r.dryRun) {
      res.json(r.result);
      return;
    }
    const location = `/subscriptions/${id}/replays/${r.result?.id}`;
    res
      .status(202)
      .location(location)
      .json({ ...r.result, location });
  };

  router.post('/subscriptions/:id/replays', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    const body = parse(replayRequestSchema, req.body ?? {}, 'body');
    started(res, id, await jobs.replay(id, body));
  });

  router.post('/subscriptions/:id/backfill', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    const body = parse(backfillRequestSchema, req.body ?? {}, 'body');
    started(res, id, await jobs.backfill(id, body));
  });

  router.get('/subscriptions/:id/replays', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    await status(id);
    res.json({ replays: await jobs.list(id) });
  });

  const jobOf = async (id: string, raw: unknown) => {
    const jobId = uuidParam(raw, 'replay');
    const job = await jobs.view(jobId);
    if (!job || job.subscriptionId !== id)
      throw new AppError('not-found', `no replay ${jobId} of subscription ${id}`);
    return job;
  };

  router.get('/subscriptions/:id/replays/:replayId', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    res.json(await jobOf(id, req.params.replayId));
  });

  router.post('/subscriptions/:id/replays/:replayId/cancel', async (req, res) => {
    const id = uuidParam(req.params.id, 'subscription');
    const job = await jobOf(id, req.params.replayId);
    const cancelled = await jobs.cancel(id, job.id);
    if (!cancelled) throw new AppError('not-found', `no replay ${job.id} of subscription ${id}`);
    if (job.status !== 'running') {
      throw new AppError('conflict', `the replay is ${job.status}; only a running one can be cancelled`, {
        rule: 'replay-running',
      });
    }
    res.json(cancelled);
  });

  return router;
}
