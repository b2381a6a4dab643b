import { createHmac, timingSafeEqual } from 'node:crypto';
import { type KetenEvent, type Violation, validateEvent } from '@ketenhub/events';

/**
 * Webhook signatures (docs/onboarding.md, "Receiving events"): the hub sends
 *
 *   Ketenhub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * with one or more `v1=` values (two during a secret rotation). The timestamp is signed with the
 * body so a captured delivery cannot be replayed later than `toleranceS`.
 */
export const signatureHeader = 'ketenhub-signature';

export function signWebhook(secret: string, body: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

export type WebhookVerification = { ok: true } | { ok: false; reason: string };

/**
 * Verifies a delivery. Pass the raw body exactly as received (before JSON parsing: re-serialising
 * changes bytes and breaks the signature). Constant-time comparison; rejects deliveries older or
 * newer than `toleranceS` (default 300 s).
 */
export function verifyWebhook(input: {
  secret: string | readonly string[];
  headers: Headers | Record<string, string | string[] | undefined>;
  body: string | Buffer;
  toleranceS?: number;
  nowS?: number;
}): WebhookVerification {
  const header = readHeader(input.headers, signatureHeader);
  if (!header) return { ok: false, reason: `missing ${signatureHeader} header` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value) timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || !Number.isInteger(timestamp))
    return { ok: false, reason: 'no timestamp t=' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1= signature' };
  const nowS = input.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowS - timestamp) > (input.toleranceS ?? 300))
    return { ok: false, reason: 'timestamp outside tolerance' };
  const body = typeof input.body === 'string' ? input.body : input.body.toString('utf8');
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  for (const secret of secrets) {
    const expected = Buffer.from(
      createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex'),
    );
    for (const given of signatures) {
      const candidate = Buffer.from(given);
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return { ok: true };
    }
  }
  return { ok: false, reason: 'signature does not match' };
}

/** Parses a verified delivery body (structured-mode CloudEvent) and validates it against the contract. */
export function parseWebhook(
  body: string | Buffer,
): { ok: true; event: KetenEvent } | { ok: false; violations: Violation[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return { ok: false, violations: [{ field: '(body)', rule: 'json', message: '(body): must be JSON' }] };
  }
  return validateEvent(raw);
}

function readHeader(headers: Headers | Record<string, string | string[] | undefined>, name: string) {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
