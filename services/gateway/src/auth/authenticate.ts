import type { KnownSystem, SystemDirectory } from '@ketenhub/directory';
import { AppError, bearerToken, type CaseWorkerVerifier } from '@ketenhub/service';

/**
 * Resolves the bearer token to an active system, or throws 401. A valid case-worker JWT is refused
 * with its own 403 (it proves who a person is, but people do not publish events; systems do), so an
 * integrator who copied the wrong token is told exactly that.
 */
export function createAuthenticator(directory: SystemDirectory, caseWorkers?: CaseWorkerVerifier) {
  return async (authorization: string | undefined): Promise<KnownSystem> => {
    const token = bearerToken(authorization);
    const system = await directory.byTokenFresh(token);
    if (system) return system;
    if (caseWorkers && token.split('.').length === 3) {
      const worker = await caseWorkers.verify(token).catch(() => undefined);
      if (worker) {
        throw new AppError(
          'forbidden',
          'this is a case-worker token; events are published by systems with the token the registry issued',
          {
            violations: [
              {
                field: 'authorization',
                rule: 'system-token',
                message: 'authorization: must be a system token',
              },
            ],
          },
        );
      }
    }
    throw new AppError(
      'unauthenticated',
      'the token is not a valid system token (unknown, rotated or revoked)',
    );
  };
}
export type Authenticator = ReturnType<typeof createAuthenticator>;
