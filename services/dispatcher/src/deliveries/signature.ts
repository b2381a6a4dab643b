import { createHash, createHmac } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com, spec 1.0.0): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one `v1,` entry per
 * valid secret, space separated (two during a rotation). The key is the bytes after `whsec_`.
 */
export function standardSignature(
  secrets: readonly string[],
  webhookId: string,
  timestampS: number,
  body: Buffer,
): string {
  const prefix = Buffer.from(`${webhookId}.${timestampS}.`, 'utf8');
  return secrets
    .map(
      (secret) =>
        `v1,${createHmac('sha256', secretKey(secret)).update(prefix).update(body).digest('base64')}`,
    )
    .join(' ');
}

/**
 * The key bytes of a `whsec_` secret. Node's base64 decoder reads both alphabets, so the secrets
 * shown before Standard Webhooks (base64url) and after (base64) give the same key.
 */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** A secret in the form Standard Webhooks shows it: `whsec_` + standard base64 of the key. */
export function standardSecretForm(secret: string): string {
  return `whsec_${secretKey(secret).toString('base64')}`;
}

/** The form shown before Standard Webhooks: `whsec_` + base64url without padding. */
export function legacySecretForm(secret: string): string {
  return `whsec_${secretKey(secret).toString('base64url')}`;
}

/**
 * The Standard Webhooks message id of one event for one subscription: the same however often and
 * by whatever (retry, re-queue, replay, backfill) it is sent, so a receiver drops repeats by it.
 * Derived, not stored: the subscription id, the event's source and id identify the message.
 */
export function webhookId(subscriptionId: string, eventSource: string, eventId: string): string {
  const digest = createHash('sha256')
    .update(`${subscriptionId}\n${eventSource}\n${eventId}`, 'utf8')
    .digest();
  return `msg_${digest.subarray(0, 18).toString('base64url')}`;
}

/**
 * The header of the hub's own scheme before Standard Webhooks, kept during its deprecation period
 * (docs/dispatcher.md): `Ketenhub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * with the secret string itself as the key. Receivers hold the string in the form they were shown
 * (base64url before, base64 since), so each valid secret signs in both forms.
 */
export function legacySignatureHeader(secrets: readonly string[], body: Buffer, timestampS: number): string {
  const signed = Buffer.concat([Buffer.from(`${timestampS}.`, 'utf8'), body]);
  const forms = [...new Set(secrets.flatMap((s) => [legacySecretForm(s), standardSecretForm(s)]))];
  const macs = forms.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`);
  return [`t=${timestampS}`, ...macs].join(',');
}
