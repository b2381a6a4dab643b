import { hkdfSync } from 'node:crypto';

/**
 * The signing secret of one secret version of a subscription: HKDF-SHA256 over the webhook master
 * key (`KETENHUB_WEBHOOK_KEY`), salt `ketenhub/webhook-signing/v1`, info `<subscription id>/<version>`,
 * 32 bytes, base64url after `whsec_`. The registry derives the same value to show it once; nothing
 * secret is stored on either side. The registry has its own copy (services do not import each
 * other); both unit tests pin the same test vector.
 */
export function deriveSigningSecret(masterKey: string, subscriptionId: string, version: number): string {
  const key = hkdfSync(
    'sha256',
    Buffer.from(masterKey, 'utf8'),
    Buffer.from('ketenhub/webhook-signing/v1', 'utf8'),
    Buffer.from(`${subscriptionId}/${version}`, 'utf8'),
    32,
  );
  return `whsec_${Buffer.from(key).toString('base64url')}`;
}

/** Same development key as the registry's; only with KETENHUB_DEV_TOKENS=true and no key set. */
export const devWebhookKey = 'ketenhub-dev-webhook-key-not-for-production';

/**
 * The secrets that sign a delivery now: the current version, and the previous one while its grace
 * period lasts (the receiver may still hold only that one).
 */
export function signingSecrets(
  masterKey: string,
  // Named subscriptionId, not id: a delivery row also has an id, and passing it here type-checks.
  subscription: { subscriptionId: string; secretVersion: number; previousSecretValidUntil: Date | null },
  now: Date,
): string[] {
  const { subscriptionId, secretVersion } = subscription;
  const secrets = [deriveSigningSecret(masterKey, subscriptionId, secretVersion)];
  const until = subscription.previousSecretValidUntil;
  if (until && until > now && secretVersion > 1) {
    secrets.push(deriveSigningSecret(masterKey, subscriptionId, secretVersion - 1));
  }
  return secrets;
}
