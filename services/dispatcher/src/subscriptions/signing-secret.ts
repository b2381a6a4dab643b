import { deriveSigningSecret } from '@ketenhub/service';

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
