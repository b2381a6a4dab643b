import { toViolations } from '@ketenhub/events';
import {
  AppError,
  type errorStatus,
  jsonBody,
  type Logger,
  problemTypeBase,
  toAppError,
  type Violation,
} from '@ketenhub/service';
import { hubKanalen } from '@ketenhub/zgw-notificaties';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { findActiveSystemByToken } from '../systems/systems.repository';
import type { RegistryDatabase, SystemRow } from '../systems/systems.table';
import { hashSystemToken } from '../systems/token';
import {
  abonnementPatch,
  abonnementRequest,
  authMask,
  kanaalUuid,
  toAbonnement,
  toKanaal,
  toKanaalFilters,
} from './abonnement';

export interface ZgwApiDeps {
  db: Kysely<RegistryDatabase>;
  subscriptions: SubscriptionsService;
  logger: Logger;
  /** `REGISTRY_PUBLIC_URL`: the base of the `url` fields; absent: the request's own scheme and host. */
  publicUrl?: string | undefined;
}

/** The Notificaties API version the façade answers as (its `API-version` header). */
const apiVersion = '1.0.0';

/** ZGW error codes (the `code` of Fout), per hub error code. */
const zgwCodes: Partial<Record<keyof typeof errorStatus, string>> = {
  unauthenticated: 'not_authenticated',
  forbidden: 'permission_denied',
  'not-found': 'not_found',
  'invalid-request': 'invalid',
  'unsupported-media-type': 'unsupported_media_type',
  'payload-too-large': 'invalid',
  conflict: 'conflict',
  unavailable: 'unavailable',
  internal: 'error',
};

/** A violation as a ZGW `invalidParams` entry; a body that is no JSON is ZGW's `nonFieldErrors`/`parse_error`. */
const zgwInvalidParam = (v: Violation) =>
  v.field === '(body)' && v.rule === 'json'
    ? { name: 'nonFieldErrors', code: 'parse_error', reason: 'nonFieldErrors: the body must be valid JSON' }
    : { name: v.field, code: v.rule, reason: v.message };

/**
 * The façade's errors as the ZGW APIs answer them (`Fout`, and `ValidatieFout` for 400 with
 * `invalidParams: [{ name, code, reason }]`), still RFC 9457 problem+json: `type`, `title`,
 * `status`, `detail`, `instance`, served as application/problem+json. The hub's own `errors`
 * (field, rule, message) come along for clients of the rest of the hub.
 */
function zgwProblem(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const e = toAppError(error, logger, req);
    const violations = e.extra.violations ?? [];
    const body = {
      type: `${problemTypeBase}${e.code}`,
      code: zgwCodes[e.code] ?? e.code,
      title: e.code === 'invalid-request' ? 'Invalid input.' : e.message.split(';')[0] || e.code,
      status: e.status,
      detail: e.detail,
      instance: req.originalUrl,
      ...(e.status === 400 || violations.length > 0
        ? { invalidParams: violations.map(zgwInvalidParam) }
        : {}),
      ...(violations.length > 0 ? { errors: violations } : {}),
    };
    if (e.extra.retryAfterS !== undefined)
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(e.extra.retryAfterS))));
    res
      .status(e.status)
      .setHeader('API-version', apiVersion)
      .type('application/problem+json')
      .send(JSON.stringify(body));
  };
}

type Authed = Request & { zgwSystem?: SystemRow };

/**
 * A system's own registry token (`khs_…`, the one the gateway takes), as `Authorization: Bearer`.
 * Open Notificaties takes a ZGW JWT instead; a ZGW consumer that registers with the hub uses the
 * token its hub system got (docs/zgw.md). Unknown, revoked or missing: 401.
 */
function requireSystem(db: Kysely<RegistryDatabase>): RequestHandler {
  return async (req: Authed, _res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const system = match?.[1] ? await findActiveSystemByToken(db, hashSystemToken(match[1])) : undefined;
    if (!system) {
      next(
        new AppError(
          'unauthenticated',
          'a system token of the hub (Authorization: Bearer khs_…) is required',
        ),
      );
      return;
    }
    req.zgwSystem = system;
    next();
  };
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new AppError('invalid-request', 'the abonnement is not valid', {
    violations: toViolations(parsed.error.issues, [], body),
  });
}

const uuid = z.uuid();

/**
 * An Open Notificaties-compatible API over the registry's subscriptions (issue 14, item 3), so a
 * ZGW consumer registers with the hub the way it registers with Open Notificaties:
 * `/api/v1/kanaal` (the hub's domains, read only) and `/api/v1/abonnement` (create, list, read,
 * PUT, PATCH, delete). An abonnement is a subscription of the authenticated system in the `zgw`
 * format: its types come from its kanalen and `type` filters within what the system consumes, its
 * notifications go out in order per chain case with retries and replay like every delivery, and
 * the access rule decides what each one carries.
 *
 * Here, in the registry, because an abonnement is a subscription: it lives in the registry's
 * table, reaches the dispatcher on the same compacted topic, and the operator sees and manages it
 * with the others. A service of its own would need the registry's tables or a second write path.
 */
export function zgwApiRouter(deps: ZgwApiDeps): Router {
  const router = Router();
  const base = (req: Request) =>
    (deps.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
  const systemOf = (req: Request) => (req as Authed).zgwSystem as SystemRow;
  const json = (res: express.Response, status: number, body: unknown) =>
    res.status(status).setHeader('API-version', apiVersion).json(body);

  router.use(requireSystem(deps.db), ...jsonBody({ limit: '64kb' }));
  // The Notificaties API takes JSON bodies only (its Content-Type parameter): 415 otherwise.
  router.use((req, _res, next) => {
    const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    next(
      hasBody && !req.is('application/json')
        ? new AppError('unsupported-media-type', 'the body must be application/json')
        : undefined,
    );
  });

  router.get('/kanaal', (req, res) => {
    const naam = typeof req.query.naam === 'string' ? req.query.naam : undefined;
    json(
      res,
      200,
      hubKanalen.filter((k) => naam === undefined || k === naam).map((k) => toKanaal(base(req), k)),
    );
  });

  router.get('/kanaal/:uuid', (req, res) => {
    const naam = hubKanalen.find((k) => kanaalUuid(k) === req.params.uuid);
    if (!naam) throw new AppError('not-found', 'no kanaal with this uuid');
    json(res, 200, toKanaal(base(req), naam));
  });

  router.get('/abonnement', async (req, res) => {
    const rows = await deps.subscriptions.listZgw(systemOf(req).id);
    json(
      res,
      200,
      rows.map((r) => toAbonnement(base(req), r)),
    );
  });

  router.post('/abonnement', async (req, res) => {
    const body = parse(abonnementRequest, req.body);
    const row = await deps.subscriptions.createZgw(systemOf(req).id, {
      callbackUrl: body.callbackUrl,
      auth: body.auth,
      kanalen: toKanaalFilters(body.kanalen),
    });
    const abonnement = toAbonnement(base(req), row);
    res.location(abonnement.url);
    json(res, 201, abonnement);
  });

  const found = async (req: Request) => {
    const id = uuid.safeParse(req.params.uuid);
    const row = id.success ? await deps.subscriptions.findZgw(systemOf(req).id, id.data) : undefined;
    // Another system's abonnement does not exist for this one (404, never 403).
    if (!row) throw new AppError('not-found', 'no abonnement with this uuid');
    return row;
  };

  router.get('/abonnement/:uuid', async (req, res) => {
    json(res, 200, toAbonnement(base(req), await found(req)));
  });

  const change =
    (partial: boolean): RequestHandler =>
    async (req, res) => {
      const current = await found(req);
      const body = partial ? parse(abonnementPatch, req.body) : parse(abonnementRequest, req.body);
      // The mask the façade answers for `auth` keeps the stored value (a GET sent back as a PUT).
      const auth = body.auth === undefined || body.auth === authMask ? undefined : body.auth;
      const row = await deps.subscriptions.replaceZgw(systemOf(req).id, current.id, {
        callbackUrl: body.callbackUrl ?? current.url,
        ...(auth !== undefined ? { auth } : {}),
        kanalen: body.kanalen ? toKanaalFilters(body.kanalen) : (current.kanalen ?? []),
      });
      json(res, 200, toAbonnement(base(req), row));
    };
  router.put('/abonnement/:uuid', change(false));
  router.patch('/abonnement/:uuid', change(true));

  router.delete('/abonnement/:uuid', async (req, res) => {
    const row = await found(req);
    await deps.subscriptions.delete(systemOf(req).id, row.id);
    res.status(204).setHeader('API-version', apiVersion).end();
  });

  router.use((req, _res, next) => next(new AppError('not-found', `no route for ${req.method} ${req.path}`)));
  router.use(zgwProblem(deps.logger));
  return router;
}
