import { createHmac, timingSafeEqual } from 'node:crypto';
import { type KetenEvent, type Violation, validateEvent } from '@ketenhub/events';

/**
 * Webhook signatures (docs/onboarding.md section 4). The hub signs every delivery per Standard
 * Webhooks (standardwebhooks.com, spec 1.0.0):
 *
 *   webhook-id: msg_…             the same for every attempt and replay of this event to you
 *   webhook-timestamp: <unix seconds of this attempt>
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")> [v1,<…>]
 *
 * where the key is the bytes of the secret after `whsec_` (base64). Two signatures during a secret
 * rotation. Until its deprecation ends the hub also sends its earlier scheme,
 * `Ketenhub-Signature: t=<t>,v1=<hex HMAC-SHA256(secret string, "<t>.<body>")>`, which this helper
 * still accepts when the Standard Webhooks headers are absent.
 */
export const standardHeaders = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** The deprecated header (docs/dispatcher.md, "Signatures"). */
export const signatureHeader = 'ketenhub-signature';

/**
 * The key bytes of a `whsec_` secret. Node's base64 decoder reads both alphabets, so a secret shown
 * before Standard Webhooks (base64url) and the same secret shown since (base64) give the same key.
 */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** Standard Webhooks headers for `body` (what the hub sends; for tests and for relaying). */
export function signStandardWebhook(input: {
  secret: string;
  webhookId: string;
  timestampS: number;
  body: string | Buffer;
}): Record<(typeof standardHeaders)[keyof typeof standardHeaders], string> {
  const mac = createHmac('sha256', keyOf(input.secret))
    .update(`${input.webhookId}.${input.timestampS}.`, 'utf8')
    .update(typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body)
    .digest('base64');
  return {
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(input.timestampS),
    'webhook-signature': `v1,${mac}`,
  };
}

/** The deprecated `Ketenhub-Signature` value (the secret string itself is the HMAC key). */
export function signWebhook(secret: string, body: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

export type WebhookVerification =
  | {
      ok: true;
      /** Which header proved it. */
      scheme: 'standard-webhooks' | 'ketenhub-signature';
      /** `webhook-id`: drop a delivery whose id you processed before (null with the old scheme). */
      webhookId: string | null;
    }
  | { ok: false; reason: string };

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * Verifies a delivery. Pass the raw body exactly as received (before JSON parsing: re-serialising
 * changes bytes and breaks the signature) and every secret that may sign now (two while rotating).
 * Constant-time comparison; refuses attempts whose timestamp is further than `toleranceS` (default
 * 300 s) from now, so a captured delivery cannot be replayed later. Standard Webhooks headers
 * first; the deprecated `Ketenhub-Signature` only when they are absent.
 */
export function verifyWebhook(input: {
  secret: string | readonly string[];
  headers: Headers | Record<string, string | string[] | undefined>;
  body: string | Buffer;
  toleranceS?: number;
  nowS?: number;
}): WebhookVerification {
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const nowS = input.nowS ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceS ?? 300;
  const id = readHeader(input.headers, standardHeaders.id);
  const signatureList = readHeader(input.headers, standardHeaders.signature);
  if (id !== undefined || signatureList !== undefined) {
    const timestamp = Number(readHeader(input.headers, standardHeaders.timestamp));
    if (!id) return { ok: false, reason: 'missing webhook-id header' };
    if (!signatureList) return { ok: false, reason: 'missing webhook-signature header' };
    if (!Number.isInteger(timestamp)) return { ok: false, reason: 'missing or bad webhook-timestamp header' };
    if (Math.abs(nowS - timestamp) > tolerance) return { ok: false, reason: 'timestamp outside tolerance' };
    const given = signatureList
      .split(' ')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('v1,'))
      .map((s) => Buffer.from(s.slice(3), 'base64'));
    if (given.length === 0) return { ok: false, reason: 'no v1 signature' };
    for (const secret of secrets) {
      const expected = createHmac('sha256', keyOf(secret))
        .update(`${id}.${timestamp}.`, 'utf8')
        .update(body)
        .digest();
      if (given.some((g) => equal(g, expected)))
        return { ok: true, scheme: 'standard-webhooks', webhookId: id };
    }
    return { ok: false, reason: 'signature does not match' };
  }

  const header = readHeader(input.headers, signatureHeader);
  if (!header) return { ok: false, reason: `missing ${standardHeaders.signature} header` };
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
  if (Math.abs(nowS - timestamp) > tolerance) return { ok: false, reason: 'timestamp outside tolerance' };
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha256', secret).update(signed).digest('hex'));
    if (signatures.some((g) => equal(Buffer.from(g), expected)))
      return { ok: true, scheme: 'ketenhub-signature', webhookId: null };
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

/**
 * The CloudEvents webhook handshake (CloudEvents HTTP 1.0.x webhook spec, section 4) for a receiver
 * written with node:http or express: answer the hub's `OPTIONS` with consent and, optionally, the
 * rate you can take. Returns the response headers, or undefined when the request is not the
 * handshake (or not from `allowedOrigins`).
 */
export function webhookHandshake(
  method: string | undefined,
  headers: Headers | Record<string, string | string[] | undefined>,
  options: { allowedOrigins?: readonly string[] | '*'; ratePerMinute?: number | '*' } = {},
): Record<string, string> | undefined {
  if (method?.toUpperCase() !== 'OPTIONS') return undefined;
  const origin = readHeader(headers, 'webhook-request-origin');
  if (!origin) return undefined;
  const allowed = options.allowedOrigins ?? '*';
  if (allowed !== '*' && !allowed.includes(origin)) return undefined;
  return {
    allow: 'POST, OPTIONS',
    'webhook-allowed-origin': allowed === '*' ? '*' : origin,
    'webhook-allowed-rate': String(options.ratePerMinute ?? '*'),
  };
}

function readHeader(headers: Headers | Record<string, string | string[] | undefined>, name: string) {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
