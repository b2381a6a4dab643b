import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of a secret the hub must send back as it was given: the `Authorization` value
 * a ZGW subscriber registered (Open Notificaties' `auth`). Unlike signing secrets it cannot be
 * derived (the subscriber chose it) nor hashed (it is sent, not checked), so it is stored sealed:
 * AES-256-GCM under a key derived with HKDF-SHA256 from the webhook master key
 * (`KETENHUB_WEBHOOK_KEY`, salt `ketenhub/webhook-auth/v1`), a random 96-bit nonce per seal, and
 * the subscription id as additional data, so a sealed value copied onto another subscription does
 * not open. The registry seals it; the sealed value travels on the subscriptions topic; the
 * dispatcher opens it when it sends. A database dump, a backup or the topic holds no usable value.
 *
 * Form: `v1.` + base64url(nonce ‖ ciphertext ‖ tag). Rotating the master key makes every sealed
 * value unreadable: such subscriptions have to register their auth again (as their signing secrets
 * change too).
 */
const prefix = 'v1.';

function keyOf(masterKey: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(masterKey, 'utf8'),
      Buffer.from('ketenhub/webhook-auth/v1', 'utf8'),
      Buffer.from('aes-256-gcm', 'utf8'),
      32,
    ),
  );
}

export function sealWebhookAuth(masterKey: string, subscriptionId: string, value: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(masterKey), nonce);
  cipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `${prefix}${Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The value sealed for this subscription, or undefined when it does not open (another key or subscription, tampered). */
export function openWebhookAuth(
  masterKey: string,
  subscriptionId: string,
  sealed: string,
): string | undefined {
  if (!sealed.startsWith(prefix)) return undefined;
  const raw = Buffer.from(sealed.slice(prefix.length), 'base64url');
  if (raw.length < 12 + 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(masterKey), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
