import { SignJWT } from 'jose';

/**
 * The ZGW APIs' authentication (VNG "Authenticatie en autorisatie", as Open Zaak implements it): a
 * JWT the client signs itself with HS256 and the secret it shares with the provider, carrying
 * `iss` and `client_id` (both the client id), `iat`, and `user_id` / `user_representation` for the
 * provider's audit trail. The provider looks the client id up in its Autorisaties API and checks
 * `iat` against its own expiry window (Open Zaak: JWT_EXPIRY, an hour by default), so a token is made
 * fresh for every request rather than cached.
 */
export interface ZgwCredentials {
  clientId: string;
  secret: string;
  userId: string;
  userRepresentation: string;
}

export async function zgwToken(credentials: ZgwCredentials, now: Date = new Date()): Promise<string> {
  return new SignJWT({
    client_id: credentials.clientId,
    user_id: credentials.userId,
    user_representation: credentials.userRepresentation,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(credentials.clientId)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .sign(new TextEncoder().encode(credentials.secret));
}
