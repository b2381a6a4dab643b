import { toViolations } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DispatcherDatabase } from '../db';
import { listDeliveries, requeueFailed, resumeSubscription, subscriptionStatus } from './outbox';

const listQuery = z.strictObject({
  status: z.enum(['failed', 'pending', 'delivered']).default('failed'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().regex(/^\d+$/, { error: 'must be a delivery id' }).optional(),
});

const requeueBody = z
  .strictObject({
    ids: z
      .array(z.string().regex(/^\d+$/, { error: 'must be a delivery id' }))
      .max(10_000)
      .optional(),
  })
  .default({});

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('invalid-request', `the ${where} is not valid`, {
    violations: toViolations(r.error.issues, [where]),
  });
}

function subscriptionId(raw: unknown): string {
  const r = z.uuid().safeParse(raw);
  if (!r.success) throw new AppError('not-found', 'no subscription with this id');
  return r.data;
}

/**
 * Operator endpoints (operator token): a subscription's delivery status, its failed (parked)
 * deliveries, re-queueing them after the receiver is fixed, and resuming after a 410. Answers carry
 * ids, types and statuses, never event bodies (they hold personal data).
 */
export function deliveriesRouter(db: Kysely<DispatcherDatabase>, wake: () => void): Router {
  const router = Router();

  const status = async (id: string) => {
    const found = await subscriptionStatus(db, id);
    if (!found) throw new AppError('not-found', `no subscription with id ${id}`);
    return found;
  };

  router.get('/subscriptions/:id/status', async (req, res) => {
    res.json(await status(subscriptionId(req.params.id)));
  });

  router.get('/subscriptions/:id/deliveries', async (req, res) => {
    const id = subscriptionId(req.params.id);
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
    const id = subscriptionId(req.params.id);
    await status(id);
    const { ids } = parse(requeueBody, req.body, 'body');
    const requeued = await requeueFailed(db, id, ids);
    wake();
    res.json({ requeued });
  });

  router.post('/subscriptions/:id/resume', async (req, res) => {
    const id = subscriptionId(req.params.id);
    if (!(await resumeSubscription(db, id))) throw new AppError('not-found', `no subscription with id ${id}`);
    wake();
    res.json(await status(id));
  });

  return router;
}
