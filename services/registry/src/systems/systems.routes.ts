import { toViolations } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { Router } from 'express';
import { z } from 'zod';
import { registrationSchema } from './system';
import type { SystemsService } from './systems.service';

const idSchema = z.uuid();

function systemId(raw: unknown): string {
  const parsed = idSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('not-found', 'no system with this id');
  return parsed.data;
}

/**
 * Operator endpoints for systems. Mounted behind {@link requireAdmin}. The token appears in the
 * answer of register and rotate only; list and get never show it (nor its hash).
 */
export function systemsRouter(systems: SystemsService): Router {
  const router = Router();

  router.post('/systems', async (req, res) => {
    const parsed = registrationSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError('invalid-request', 'the registration is not valid', {
        violations: toViolations(parsed.error.issues),
      });
    }
    const system = await systems.register(parsed.data);
    res.status(201).location(`/systems/${system.id}`).json(system);
  });

  router.get('/systems', async (req, res) => {
    const oin = typeof req.query.oin === 'string' ? req.query.oin : undefined;
    res.json({ systems: await systems.list({ oin }) });
  });

  router.get('/systems/:id', async (req, res) => {
    res.json(await systems.get(systemId(req.params.id)));
  });

  router.post('/systems/:id/token', async (req, res) => {
    res.json(await systems.rotate(systemId(req.params.id)));
  });

  router.post('/systems/:id/revoke', async (req, res) => {
    res.json(await systems.revoke(systemId(req.params.id)));
  });
  router.delete('/systems/:id', async (req, res) => {
    res.json(await systems.revoke(systemId(req.params.id)));
  });

  return router;
}
