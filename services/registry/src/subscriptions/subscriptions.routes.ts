import { toViolations } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { Router } from 'express';
import { z } from 'zod';
import { rotationRequestSchema, subscriptionRequestSchema } from './subscription';
import type { SubscriptionsService } from './subscriptions.service';

const idSchema = z.uuid();

function uuidParam(raw: unknown, what: string): string {
  const parsed = idSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('not-found', `no ${what} with this id`);
  return parsed.data;
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new AppError('invalid-request', `the ${what} is not valid`, {
    violations: toViolations(parsed.error.issues),
  });
}

/**
 * Operator endpoints for webhook subscriptions, under `/systems/{id}/subscriptions`. Mounted
 * behind the operator token. The signing secret appears in the answers of create and rotate only.
 */
export function subscriptionsRouter(subscriptions: SubscriptionsService): Router {
  const router = Router();
  const base = '/systems/:id/subscriptions';
  const ids = (params: Record<string, unknown>) => ({
    systemId: uuidParam(params.id, 'system'),
    id: uuidParam(params.sid, 'subscription'),
  });

  router.post(base, async (req, res) => {
    const systemId = uuidParam(req.params.id, 'system');
    const created = await subscriptions.create(
      systemId,
      parseBody(subscriptionRequestSchema, req.body, 'subscription'),
    );
    res.status(201).location(`/systems/${systemId}/subscriptions/${created.id}`).json(created);
  });

  router.get(base, async (req, res) => {
    res.json({ subscriptions: await subscriptions.list(uuidParam(req.params.id, 'system')) });
  });

  router.get(`${base}/:sid`, async (req, res) => {
    const { systemId, id } = ids(req.params);
    res.json(await subscriptions.get(systemId, id));
  });

  router.delete(`${base}/:sid`, async (req, res) => {
    const { systemId, id } = ids(req.params);
    res.json(await subscriptions.delete(systemId, id));
  });

  router.post(`${base}/:sid/pause`, async (req, res) => {
    const { systemId, id } = ids(req.params);
    res.json(await subscriptions.pause(systemId, id));
  });

  router.post(`${base}/:sid/resume`, async (req, res) => {
    const { systemId, id } = ids(req.params);
    res.json(await subscriptions.resume(systemId, id));
  });

  router.post(`${base}/:sid/secret`, async (req, res) => {
    const { systemId, id } = ids(req.params);
    const { graceSeconds } = parseBody(rotationRequestSchema, req.body, 'rotation');
    res.json(await subscriptions.rotate(systemId, id, graceSeconds));
  });

  return router;
}
