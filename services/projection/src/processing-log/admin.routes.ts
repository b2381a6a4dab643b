import { Router } from 'express';
import { z } from 'zod';
import { parseParams } from '../api/query';
import type { ProcessingLog } from './processing-log';

const query = z.strictObject({
  case: z.uuid({ error: 'must be a chain case id (UUID)' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** `GET /admin/processing-log?case=<id>`: who read a case when, for operators (admin token). */
export function adminRoutes(log: ProcessingLog): Router {
  const router = Router();
  router.get('/admin/processing-log', async (req, res) => {
    const q = parseParams(query, req.query, 'query');
    res.json({ items: await log.query(q.case, q.limit) });
  });
  return router;
}
