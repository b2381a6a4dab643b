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
  const secrets = [derived(masterKey, subscriptionId, secretVersion)];
  const until = subscription.previousSecretValidUntil;
  if (until && until > now && secretVersion > 1) {
    secrets.push(derived(masterKey, subscriptionId, secretVersion - 1));
  }
  return secrets;
}

/**
 * Derived once per (key, subscription, version), not once per delivery: HKDF was a twentieth of
 * the sender's CPU at thousands of deliveries a second. Holding the derived secrets in memory
 * adds nothing to holding the master key they come from. Bounded: cleared when it grows past
 * what any one dispatcher serves.
 */
const cache = new Map<string, string>();
const cacheMax = 20_000;

function derived(masterKey: string, subscriptionId: string, version: number): string {
  const k = `${masterKey}\u0000${subscriptionId}\u0000${version}`;
  let secret = cache.get(k);
  if (secret === undefined) {
    if (cache.size >= cacheMax) cache.clear();
    secret = deriveSigningSecret(masterKey, subscriptionId, version);
    cache.set(k, secret);
  }
  return secret;
}
