import { randomUUID } from 'node:crypto';
import {
  DATA_CONTENT_TYPE,
  type EventData,
  type EventType,
  type KetenEvent,
  type Violation,
  validateEvent,
} from '@ketenhub/events';

/** What an integrator fills in; the client adds specversion, id, time, source and datacontenttype. */
export type EventInput<T extends EventType = EventType> = {
  type: T;
  /** The chain case id (UUID). */
  subject: string;
  data: EventData<T>;
  /** Keep the id when re-sending the same event later (the hub drops duplicates by source + id). */
  id?: string;
  /** When the event was registered in your system; default now. */
  time?: string;
  traceparent?: string;
  dataref?: string;
  sequence?: string;
} & { [extension: string]: unknown };

/** An RFC 9457 problem as the hub sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Violation[];
  [key: string]: unknown;
}

/** The event failed local validation; nothing was sent. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  constructor(readonly violations: Violation[]) {
    super(`the event does not fit the contract: ${violations.map((v) => v.message).join('; ')}`);
  }
}

/** The hub refused the event (4xx), or kept failing past the retries (429/503/network). */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    message: string,
    /** HTTP status; 0 for a network error. */
    readonly status: number,
    readonly problem: Problem | undefined,
    /** True when the same event may succeed later (rate limit, hub or Kafka unavailable). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface RetryOptions {
  /** Attempts in total, including the first. Default 6. */
  maxAttempts?: number;
  /** First backoff when the hub sends no Retry-After, in ms. Default 250. */
  baseDelayMs?: number;
  /** Upper bound of one wait, also for Retry-After, in ms. Default 30 000. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** The gateway, e.g. `https://hub.example.nl`. */
  baseUrl: string;
  /** The system token from the registry. */
  token: string;
  /** Your system's source, `urn:nld:oin:<OIN>:systeem:<name>`, as registered. */
  source: string;
  retry?: RetryOptions;
  /** Timeout of one HTTP attempt in ms. Default 10 000. */
  timeoutMs?: number;
  /** For tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

export interface Accepted {
  id: string;
  source: string;
  status: 'accepted';
}

export interface BatchResult {
  accepted: number;
  rejected: number;
  results: { index: number; id?: string; status: number; problem?: Problem }[];
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A typed client for the Ketenhub gateway.
 *
 * @example
 * const hub = createClient({ baseUrl: 'http://127.0.0.1:8080', token, source });
 * await hub.publish({ type: 'nl.wmo.melding-ontvangen', subject: caseId, data: { ... } });
 */
export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? wait;
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.retry?.maxAttempts ?? 6;
  const baseDelayMs = options.retry?.baseDelayMs ?? 250;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/events`;

  /** Fills the envelope and validates locally: the same zod schemas the hub uses. */
  function prepare<T extends EventType>(input: EventInput<T> | KetenEvent): KetenEvent {
    // Defaults first, then what the caller gave: a complete event passes through unchanged.
    const raw: Record<string, unknown> = {
      specversion: '1.0',
      source: options.source,
      datacontenttype: DATA_CONTENT_TYPE,
    };
    Object.assign(raw, input);
    raw.id ??= randomUUID();
    raw.time ??= now().toISOString();
    const result = validateEvent(raw);
    if (!result.ok) throw new EventValidationError(result.violations);
    return result.event;
  }

  /**
   * POSTs with retries on 429, 503, 502/504 and network errors, honouring Retry-After (bounded).
   * The body is the same bytes every time, so the hub sees the same id and content: a retry of an
   * event that did land is answered as a re-send, never stored twice.
   */
  async function send(body: string, contentType: string): Promise<{ status: number; json: unknown }> {
    let last: PublishError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let delayMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': contentType, authorization: `Bearer ${options.token}` },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        const text = await res.text();
        const json: unknown = text ? safeJson(text) : undefined;
        if (res.status === 429 || res.status === 503 || res.status === 502 || res.status === 504) {
          const retryAfter = Number(res.headers.get('retry-after'));
          if (Number.isFinite(retryAfter) && retryAfter > 0)
            delayMs = Math.min(maxDelayMs, retryAfter * 1000);
          last = new PublishError(problemText(json, res.status), res.status, json as Problem, true);
        } else {
          return { status: res.status, json };
        }
      } catch (error) {
        last = new PublishError(`the hub is not reachable: ${(error as Error).message}`, 0, undefined, true);
      }
      if (attempt < maxAttempts) await sleep(delayMs);
    }
    throw last ?? new PublishError('not sent', 0, undefined, true);
  }

  return {
    prepare,

    /** Publishes one event; resolves once it is durable in the hub (202), throws {@link PublishError} otherwise. */
    async publish<T extends EventType>(input: EventInput<T> | KetenEvent): Promise<Accepted> {
      const event = prepare(input);
      const { status, json } = await send(JSON.stringify(event), 'application/cloudevents+json');
      if (status === 202) return json as Accepted;
      throw new PublishError(problemText(json, status), status, json as Problem, false);
    },

    /**
     * Publishes several events in one request; each gets its own result (202 or a problem). Events
     * of one chain case keep their order within the batch.
     */
    async publishBatch(
      inputs: readonly (EventInput | KetenEvent)[],
    ): Promise<BatchResult & { events: KetenEvent[] }> {
      const events = inputs.map((i) => prepare(i));
      const { status, json } = await send(JSON.stringify(events), 'application/cloudevents-batch+json');
      if (status === 202 || status === 207) return { ...(json as BatchResult), events };
      throw new PublishError(problemText(json, status), status, json as Problem, false);
    },
  };
}
export type KetenhubClient = ReturnType<typeof createClient>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function problemText(json: unknown, status: number): string {
  const p = json as Partial<Problem> | undefined;
  const details = p?.errors?.map((e) => e.message).join('; ');
  return `hub answered ${status}${p?.title ? ` ${p.title}` : ''}${p?.detail ? `: ${p.detail}` : ''}${details ? ` (${details})` : ''}`;
}
