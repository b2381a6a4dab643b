import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { guardedLookup, refusedAddress, type TargetPolicy } from '@ketenhub/service';
import type { AttemptResult } from './outcome';

/**
 * Where deliveries may connect (SSRF): checked on the address actually connected to, at every
 * delivery, because DNS can change after the registry checked the URL (docs/dispatcher.md).
 */
export interface WebhookTargets {
  policy: TargetPolicy;
  lookup: LookupFunction;
}

/** The policy with its guarded lookup, built once per sender (`KETENHUB_WEBHOOK_LOCAL_HTTP` allows loopback). */
export function webhookTargets(policy: TargetPolicy): WebhookTargets {
  return { policy, lookup: guardedLookup(policy) };
}

/**
 * Keep-alive agents shared by every delivery: a receiver's connections are reused across its
 * deliveries (a TLS handshake per event would cost more than the event). node:http rather than
 * fetch: about half the CPU per request, which is the sender's main cost at thousands per second.
 */
const agentOptions = {
  keepAlive: true,
  maxSockets: 256,
  // As many idle as open: with fewer, a receiver that briefly had more requests in flight than
  // idle sockets are kept lost the rest and the sender connected again (measured 2026-12-04: a
  // new TCP connection every few deliveries to one busy receiver, a tenth of the sender's CPU).
  maxFreeSockets: 256,
  scheduling: 'lifo',
} as const;

const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

/**
 * One POST with a deadline for the whole exchange. Never throws: network errors and timeouts are
 * results too. Redirects are not followed (node:http never does). Of an error answer the first
 * `prefixBytes` are kept for the operator; a success's body is drained so the socket is reused.
 */
export function postOnce(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
  targets: WebhookTargets,
  prefixBytes = 300,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const secure = url.protocol === 'https:';
    // An address in the URL is never looked up: it is checked here instead.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const refused = isIP(host) ? refusedAddress(host, targets.policy) : undefined;
    if (refused) {
      resolve({ kind: 'unreachable', reason: `EKETENHUBTARGET: webhook host ${refused}` });
      return;
    }
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      lookup: targets.lookup,
      headers: { ...headers, 'content-length': String(body.length) },
    });
    const timer = setTimeout(() => {
      done({ kind: 'unreachable', reason: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({
        kind: 'unreachable',
        // A refused target says why (the address and its class); a network error its code.
        reason:
          error.code === 'EKETENHUBTARGET'
            ? `EKETENHUBTARGET: ${error.message}`
            : (error.code ?? error.message),
      }),
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const retryAfter = res.headers['retry-after'] ?? null;
      if (status < 300) {
        res.resume();
        res.on('end', () => done({ kind: 'answered', status, retryAfter, bodyPrefix: '' }));
        res.on('error', () => done({ kind: 'answered', status, retryAfter, bodyPrefix: '' }));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const bodyPrefix = Buffer.concat(chunks)
          .subarray(0, prefixBytes)
          .toString('utf8')
          .replace(/\s+/g, ' ')
          .trim();
        done({ kind: 'answered', status, retryAfter, bodyPrefix });
      };
      res.on('data', (c: Buffer) => {
        if (size < prefixBytes) chunks.push(c);
        size += c.length;
        // The rest is not read: an error page of megabytes is not the sender's business.
        if (size >= prefixBytes) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end(body);
  });
}

/** Closes idle keep-alive sockets (shutdown, tests). */
export function closeIdleConnections(): void {
  agents.http.destroy();
  agents.https.destroy();
  agents.http = new http.Agent(agentOptions);
  agents.https = new https.Agent(agentOptions);
}
