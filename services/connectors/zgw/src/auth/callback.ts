import { createHash } from 'node:crypto';
import { AppError } from '@ketenhub/service';
import type { Request } from 'express';
import { decodeJwt, jwtVerify } from 'jose';

/** SHA-256 (hex) of an abonnement's auth value, as configured in `callbackAuthSha256`. */
export function hashCallbackAuth(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Who sent a notification: Open Notificaties for an abonnement, or Open Zaak itself. */
export interface Afzender {
  bron: string;
  via: 'abonnement' | 'zgw-jwt';
}

export interface CallbackAuthOptions {
  /** SHA-256 of each abonnement's auth value -> source id. */
  abonnementen: ReadonlyMap<string, string>;
  /** Per ZGW client id that may publish straight to the connector: its secret and source. */
  publicerendeClients: ReadonlyMap<string, { secret: string; bron: string }>;
  /** How old a ZGW JWT may be (its iat), as the ZGW APIs allow; default an hour. */
  jwtMaxAgeS?: number;
}

/**
 * Which source a notification comes from, by its Authorization header, in two ways:
 *
 * - Open Notificaties sends the abonnement's `auth` value verbatim; each source's abonnement gets a
 *   value of its own and the connector keeps only its hash. The hash is looked up, so no configured
 *   value's bytes are compared (the registry does the same for tokens);
 * - Open Zaak, pointed straight at the connector as its Notificaties API, signs a ZGW JWT (HS256,
 *   `client_id`, `iat`) with the secret of the client configured for that source.
 */
export function createCallbackAuth(options: CallbackAuthOptions) {
  const maxAge = options.jwtMaxAgeS ?? 3600;
  return async (req: Request): Promise<Afzender> => {
    const header = req.header('authorization');
    if (!header) {
      throw new AppError('unauthenticated', 'the callback needs the Authorization header of its abonnement');
    }
    const bron = options.abonnementen.get(hashCallbackAuth(header));
    if (bron) return { bron, via: 'abonnement' };
    const jwt = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header)?.[1];
    const clientId = jwt ? clientIdOf(jwt) : undefined;
    const client = clientId ? options.publicerendeClients.get(clientId) : undefined;
    if (jwt && client) {
      try {
        const { payload } = await jwtVerify(jwt, new TextEncoder().encode(client.secret), {
          algorithms: ['HS256'],
        });
        const iat = payload.iat;
        if (typeof iat === 'number' && Math.abs(Date.now() / 1000 - iat) <= maxAge) {
          return { bron: client.bron, via: 'zgw-jwt' };
        }
      } catch {
        // Falls through to the refusal: a bad signature says as much as an unknown header.
      }
    }
    throw new AppError(
      'unauthenticated',
      'the Authorization header matches no configured abonnement or client',
    );
  };
}

function clientIdOf(jwt: string): string | undefined {
  try {
    const claims = decodeJwt(jwt);
    const id = claims.client_id ?? claims.iss;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
