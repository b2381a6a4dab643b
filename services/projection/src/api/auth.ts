import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, bearerToken, type CaseWorker, type CaseWorkerVerifier } from '@ketenhub/service';
import type { RequestHandler, Response } from 'express';

/** Every case endpoint: a case worker's bearer token (organisation OIN + roles). */
export function requireCaseWorker(verifier: CaseWorkerVerifier): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.caseWorker = await verifier.verify(bearerToken(req.header('authorization')));
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function caseWorkerOf(res: Response): CaseWorker {
  const worker = res.locals.caseWorker as CaseWorker | undefined;
  if (!worker) throw new AppError('unauthenticated', 'send Authorization: Bearer <token>');
  return worker;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Operator endpoints: the static admin token, compared in constant time. */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!adminToken) {
      next(
        new AppError('unauthenticated', 'operator endpoints are disabled: KETENHUB_ADMIN_TOKEN is not set'),
      );
      return;
    }
    try {
      const token = bearerToken(req.header('authorization'));
      if (!timingSafeEqual(digest(token), digest(adminToken)))
        throw new AppError('unauthenticated', 'not the operator token');
      next();
    } catch (error) {
      next(error);
    }
  };
}
