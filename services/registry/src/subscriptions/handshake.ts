import type { Violation } from '@ketenhub/events';

/**
 * The CloudEvents webhook handshake ("abuse protection", CloudEvents HTTP 1.0 webhook spec,
 * section 4): before the hub sends anything to a URL, it asks with `OPTIONS` and
 * `WebHook-Request-Origin`, and the receiver consents by answering `WebHook-Allowed-Origin` (the
 * origin or `*`) and optionally `WebHook-Allowed-Rate` (requests per minute, or `*`). The status
 * code alone is no consent (the spec says so: a server that handles OPTIONS generically would
 * otherwise consent to everything). Without consent the subscription is refused, so the hub can
 * never be pointed at an endpoint that did not ask for its traffic.
 */
export type HandshakeResult = { ok: true; allowedRate: number | null } | { ok: false; violation: Violation };

const refuse = (message: string): HandshakeResult => ({
  ok: false,
  violation: { field: 'url', rule: 'webhook-handshake', message: `url: ${message}` },
});

export async function webhookHandshake(
  url: string,
  origin: string,
  timeoutMs: number,
): Promise<HandshakeResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': origin, 'user-agent': 'Ketenhub-Registry/0.2' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
  } catch (error) {
    const name = (error as Error).name;
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return refuse(
      `the receiver did not answer the webhook handshake (OPTIONS with WebHook-Request-Origin: ${origin}): ${
        name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (error as Error).message)
      }`,
    );
  }
  const allowedOrigin = res.headers.get('webhook-allowed-origin')?.trim();
  if (!allowedOrigin) {
    return refuse(
      `the receiver answered the webhook handshake (OPTIONS with WebHook-Request-Origin: ${origin}) with HTTP ${res.status} but without WebHook-Allowed-Origin: no consent to receive`,
    );
  }
  if (allowedOrigin !== '*' && allowedOrigin !== origin) {
    return refuse(
      `WebHook-Allowed-Origin is "${allowedOrigin}", not "${origin}" or "*": no consent for this hub`,
    );
  }
  const rate = res.headers.get('webhook-allowed-rate')?.trim();
  if (rate === undefined || rate === '*') return { ok: true, allowedRate: null };
  if (!/^\d+$/.test(rate) || Number(rate) < 1) {
    return refuse(
      `WebHook-Allowed-Rate must be * or a positive number of requests per minute, got "${rate}"`,
    );
  }
  return { ok: true, allowedRate: Number(rate) };
}
