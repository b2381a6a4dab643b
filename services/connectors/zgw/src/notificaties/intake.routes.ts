import { toViolations } from '@ketenhub/events';
import { AppError, jsonBody, type Logger } from '@ketenhub/service';
import { notificatieSchema, testKanaal } from '@ketenhub/zgw-notificaties';
import type express from 'express';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { Afzender } from '../auth/callback';
import type { ConnectorDatabase } from '../db';
import type { ConnectorMetrics } from '../metrics';
import { insertNotificatie } from './notificaties.repository';

export interface IntakeDeps {
  db: Kysely<ConnectorDatabase>;
  logger: Logger;
  metrics: ConnectorMetrics;
  /** The source of a callback by its Authorization header; throws 401 otherwise. */
  afzenderOf: (req: express.Request) => Promise<Afzender>;
  /** A notification was stored: wake the worker. */
  onStored: () => void;
}

/**
 * `POST /notificaties`: the callbackUrl of an abonnement in Open Notificaties. `POST
 * /api/v1/notificaties` is the same for Open Zaak pointed straight at the connector as its
 * Notificaties API (it posts to `<api root>/notificaties`). Checks in this order: the abonnement's Authorization header (401), the content type
 * (415), the body against Notificaties API 1.0 (400 naming field and rule). Then the notification is
 * stored and answered 204, before anything is fetched or published: Open Notificaties waits for the
 * answer and retries on anything but 2xx, so the slow work happens afterwards, from the database.
 * If the database cannot store it, the answer is 503 and Open Notificaties tries again.
 */
export function intakeRouter(deps: IntakeDeps): Router {
  const router = Router();
  router.post(
    ['/notificaties', '/api/v1/notificaties'],
    async (req, res, next) => {
      const afzender = await deps.afzenderOf(req);
      res.locals.afzender = afzender;
      if (!req.is('application/json')) {
        throw new AppError('unsupported-media-type', 'a notification is sent as application/json');
      }
      next();
    },
    ...jsonBody({ limit: '64kb', type: () => true }),
    async (req, res) => {
      const { bron, via } = res.locals.afzender as Afzender;
      // Open Notificaties checks for 204 on a callback; a publisher gets the Notificaties API's 200
      // with the notification, as from Open Notificaties itself.
      const answer = (n: unknown) => (via === 'zgw-jwt' ? res.status(200).json(n) : res.status(204).end());
      const parsed = notificatieSchema.safeParse(req.body);
      if (!parsed.success) {
        throw new AppError('invalid-request', 'the body is not a Notificaties API 1.0 notification', {
          violations: toViolations(parsed.error.issues, [], req.body),
        });
      }
      const n = parsed.data;
      if (n.kanaal === testKanaal) {
        // Open Notificaties checks the callbackUrl when an abonnement is made: 204 and nothing kept.
        deps.metrics.ontvangen.inc({
          bron,
          kanaal: n.kanaal,
          resource: n.resource,
          actie: n.actie,
          dubbel: 'false',
        });
        res.status(204).end();
        return;
      }
      let stored: boolean;
      try {
        stored = await insertNotificatie(deps.db, bron, n);
      } catch (error) {
        deps.logger.error({ err: error, bron }, 'could not store a notification');
        throw new AppError('unavailable', 'the notification could not be stored; send it again', {
          retryAfterS: 5,
        });
      }
      deps.metrics.ontvangen.inc({
        bron,
        kanaal: n.kanaal,
        resource: n.resource,
        actie: n.actie,
        dubbel: stored ? 'false' : 'true',
      });
      if (stored) deps.onStored();
      answer(n);
    },
  );
  return router;
}
