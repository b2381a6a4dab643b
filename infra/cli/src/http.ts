import { FailedError, HttpError, type Problem, UsageError } from './errors';

export type ServiceName = 'registry' | 'gateway' | 'projection' | 'dispatcher';

export interface HttpAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One hub service's HTTP API as the operator calls it. */
export class ServiceClient {
  constructor(
    readonly name: ServiceName,
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  /** `/health/ready`: ready (200), not ready (it answers, but 503), or nothing answers. */
  async readiness(): Promise<Readiness> {
    const url = `${this.baseUrl}/health/ready`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(this.timeoutMs, 5_000)) });
      const body = (await res.json().catch(() => ({}))) as { checks?: Record<string, boolean> };
      return {
        service: this.name,
        url: this.baseUrl,
        status: res.ok ? 'ready' : 'not-ready',
        httpStatus: res.status,
        ...(body.checks ? { checks: body.checks } : {}),
      };
    } catch (error) {
      return { service: this.name, url: this.baseUrl, status: 'unreachable', error: reason(error) };
    }
  }

  /**
   * An operator call: with the token, JSON both ways. A non-2xx answer throws {@link HttpError}
   * (problem+json read when it is one), no answer at all a {@link FailedError} naming the URL.
   */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpAnswer<T>> {
    if (!this.token) {
      throw new UsageError(
        `KETENHUB_ADMIN_TOKEN is not set: the ${this.name}'s operator API (${this.baseUrl}) needs it`,
      );
    }
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json, application/problem+json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new FailedError(
        `${this.name} at ${this.baseUrl} did not answer ${method} ${path}: ${reason(error)}`,
        {
          service: this.name,
          url: this.baseUrl,
        },
      );
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) {
      const problem = isProblem(parsed) ? parsed : null;
      throw new HttpError(this.name, method, path, res.status, problem, text);
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }
}

export interface Readiness {
  service: ServiceName;
  url: string;
  status: 'ready' | 'not-ready' | 'unreachable';
  httpStatus?: number;
  checks?: Record<string, boolean>;
  error?: string;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && ('title' in value || 'type' in value);
}

/** The useful part of a fetch failure (undici hides the cause, e.g. ECONNREFUSED, one level down). */
export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
