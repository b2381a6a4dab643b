import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { type ZgwCredentials, zgwToken } from './jwt';

/**
 * Reads ZGW resources with a source's own credentials. Only URLs under the source's configured API
 * roots are fetched: a notification names URLs, and without that rule anyone who can post a callback
 * could make the connector send its ZGW token to a host of their choosing (or probe the network).
 * Redirects are not followed, for the same reason.
 *
 * Expected failures are values: a resource that is gone, a provider that refuses or cannot be
 * reached, an answer that does not fit the schema. The worker decides what each means.
 */

export type FetchFailure =
  /** The URL is not under the source's API roots; nothing was sent. */
  | { kind: 'outside'; url: string }
  /** 404 or 410: the resource is gone (deleted after the notification), or never existed. */
  | { kind: 'gone'; url: string; status: number }
  /** Worth retrying later: network error, timeout, 5xx, 429, or a refusal of the credentials (401/403). */
  | { kind: 'unavailable'; url: string; reason: string }
  /** The provider answered, but not with what the ZGW schema says. */
  | { kind: 'invalid'; url: string; reason: string };

export type Fetched<T> = { ok: true; value: T } | ({ ok: false } & FetchFailure);

export interface ZgwApis {
  zaken: string;
  catalogi: string;
  besluiten?: string;
  documenten?: string;
}

export interface ZgwClientOptions {
  apis: ZgwApis;
  credentials: ZgwCredentials;
  /** Extra CA certificates (PEM) to trust for these APIs. */
  ca?: string;
  timeoutMs: number;
  /** Largest answer read, in bytes; a ZGW resource is a few kilobytes. */
  maxBytes?: number;
  /**
   * How long answers of the Catalogi API are reused. Published types do not change (a new version is
   * a new URL), and every status replay reads its statustype; 0 reads every time.
   */
  catalogiTtlMs?: number;
}

export interface ZgwClient {
  /** GETs a resource and checks it against `schema`. */
  get<S extends z.ZodType>(url: string, schema: S): Promise<Fetched<z.infer<S>>>;
  /** Whether `url` is under one of the configured API roots. */
  allows(url: string): boolean;
}

function rootsOf(apis: ZgwApis): string[] {
  return Object.values(apis)
    .filter((v): v is string => typeof v === 'string')
    .map((root) => (root.endsWith('/') ? root : `${root}/`));
}

export function createZgwClient(options: ZgwClientOptions): ZgwClient {
  const roots = rootsOf(options.apis);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const catalogi = options.apis.catalogi.replace(/\/*$/, '/');
  const ttlMs = options.catalogiTtlMs ?? 300_000;
  const cache = new Map<string, { json: unknown; until: number }>();

  function allows(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    // Compared after URL parsing: `https://zaken.example/../other` and user-info tricks normalise first.
    if (parsed.username || parsed.password) return false;
    const normal = parsed.toString();
    return roots.some((root) => normal.startsWith(root));
  }

  async function get<S extends z.ZodType>(url: string, schema: S): Promise<Fetched<z.infer<S>>> {
    if (!allows(url)) return { ok: false, kind: 'outside', url };
    const cached = cache.get(url);
    if (cached && cached.until > Date.now()) return check(url, cached.json, schema);
    const token = await zgwToken(options.credentials);
    const answer = await send(url, token);
    if (answer.kind === 'error') return { ok: false, kind: 'unavailable', url, reason: answer.reason };
    const { status, body } = answer;
    if (status === 404 || status === 410) return { ok: false, kind: 'gone', url, status };
    if (status < 200 || status >= 300) {
      const detail = body.slice(0, 200).replace(/\s+/g, ' ');
      return { ok: false, kind: 'unavailable', url, reason: `HTTP ${status}${detail ? `: ${detail}` : ''}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, kind: 'invalid', url, reason: 'the answer is not JSON' };
    }
    if (ttlMs > 0 && url.startsWith(catalogi)) {
      if (cache.size >= 5_000) cache.clear();
      cache.set(url, { json, until: Date.now() + ttlMs });
    }
    return check(url, json, schema);
  }

  function check<S extends z.ZodType>(url: string, json: unknown, schema: S): Fetched<z.infer<S>> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      return { ok: false, kind: 'invalid', url, reason: issues };
    }
    return { ok: true, value: parsed.data as z.infer<S> };
  }

  function send(
    url: string,
    token: string,
  ): Promise<{ kind: 'answer'; status: number; body: string } | { kind: 'error'; reason: string }> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        target,
        {
          method: 'GET',
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            // The Zaken API refuses zaak reads without it (412): a zaak may carry a geometry.
            'accept-crs': 'EPSG:4326',
          },
          timeout: options.timeoutMs,
          ...(options.ca && target.protocol === 'https:' ? { ca: options.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              req.destroy(new Error(`answer larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              kind: 'answer',
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (error) => resolve({ kind: 'error', reason: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', (error) => resolve({ kind: 'error', reason: error.message }));
      req.end();
    });
  }

  return { get, allows };
}
