import { createHmac } from 'node:crypto';

/**
 * `Ketenhub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]`, the
 * scheme of docs/onboarding.md section 4: one `v1=` per valid secret, so during a rotation a
 * receiver holding either the old or the new secret accepts the delivery.
 */
export function signatureHeader(secrets: readonly string[], body: Buffer, timestampS: number): string {
  const signed = Buffer.concat([Buffer.from(`${timestampS}.`, 'utf8'), body]);
  const macs = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`);
  return [`t=${timestampS}`, ...macs].join(',');
}
