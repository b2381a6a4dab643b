import { hkdfSync } from 'node:crypto';

/** Recognisable prefix, like the system tokens' `khs_`: secret scanners and people can tell what it is. */
export const signingSecretPrefix = 'whsec_';

/**
 * The signing secret of one version of a subscription's secret, derived with HKDF-SHA256 from the
 * hub's webhook master key (`KETENHUB_WEBHOOK_KEY`).
 *
 * Why derived and not stored: HMAC signing needs the secret itself, so a stored secret could not be
 * hashed like a token. Deriving it means no secret is stored anywhere: the registry shows it once,
 * the dispatcher derives the same value when it signs, and a database dump or the state topic holds
 * nothing that signs. Rotating means a new version number; leaking the master key means rotating the
 * master key (every subscriber gets a new secret).
 *
 * The dispatcher has its own copy of this function (services do not import each other); both unit
 * tests pin the same test vector, so a change on one side alone fails a test.
 */
export function deriveSigningSecret(masterKey: string, subscriptionId: string, version: number): string {
  const key = hkdfSync(
    'sha256',
    Buffer.from(masterKey, 'utf8'),
    Buffer.from('ketenhub/webhook-signing/v1', 'utf8'),
    Buffer.from(`${subscriptionId}/${version}`, 'utf8'),
    32,
  );
  return `${signingSecretPrefix}${Buffer.from(key).toString('base64url')}`;
}

/** The development master key, only ever used with KETENHUB_DEV_TOKENS=true and no key set. */
export const devWebhookKey = 'ketenhub-dev-webhook-key-not-for-production';
