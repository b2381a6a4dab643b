import type { Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { DispatcherDatabase } from '../db';
import { signingSecrets } from '../subscriptions/signing-secret';
import type { DeliveryMetrics } from './metrics';
import { type ClaimedDelivery, claimDue, type Settlement, settle } from './outbox';
import { type AttemptResult, type BackoffPolicy, judge, retryDelayMs } from './outcome';
import { signatureHeader } from './signature';

export interface SenderOptions {
  db: Kysely<DispatcherDatabase>;
  logger: Logger;
  metrics: DeliveryMetrics;
  webhookKey: string;
  allowLocalHttp: boolean;
  concurrency: number;
  timeoutMs: number;
  backoff: BackoffPolicy;
  giveUpAfterMs: number;
  pollMs: number;
}

const loopback = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/**
 * The registry checks URLs when a subscription is made; checked again here so a dispatcher in
 * production never sends personal data over plain http, whatever a record says.
 */
export function mayPost(url: string, allowLocalHttp: boolean): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && allowLocalHttp && loopback(u.hostname);
}

/** One HTTP attempt. Never throws: network errors and timeouts are results too. */
export async function post(d: ClaimedDelivery, signature: string, timeoutMs: number): Promise<AttemptResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents+json',
    'ketenhub-signature': signature,
    'ketenhub-delivery': d.id,
    'user-agent': 'Ketenhub-Dispatcher/0.1',
  };
  if (d.traceparent) headers.traceparent = d.traceparent;
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers,
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // A success's body is not needed; reading it (or cancelling it) frees the connection.
    const bodyPrefix = res.status >= 300 ? await readPrefix(res, 300) : '';
    if (res.status < 300) await res.body?.cancel();
    return { kind: 'answered', status: res.status, retryAfter: res.headers.get('retry-after'), bodyPrefix };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    return {
      kind: 'unreachable',
      reason:
        name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (error as Error).message),
    };
  }
}

/** The start of an error answer, for the operator's view; the rest is not read. */
async function readPrefix(res: Response, max: number): Promise<string> {
  try {
    const reader = res.body?.getReader();
    if (!reader) return '';
    const first = await reader.read();
    await reader.cancel();
    return Buffer.from(first.value ?? [])
      .toString('utf8')
      .slice(0, max)
      .replace(/\s+/g, ' ')
      .trim();
  } catch {
    return '';
  }
}

/**
 * Sends queued deliveries: claims due queue heads (outbox.claimDue), POSTs them at most
 * `concurrency` at a time, stores each verdict. Wakes when the consumer queued something, when a
 * slot frees up, or every `pollMs` (retries coming due, work another instance queued).
 */
export class Sender {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  /** A wake-up that came while the loop was busy claiming: the next wait is skipped, not lost. */
  private woken = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: SenderOptions) {}

  /**
   * The lease must outlast the request and the write of its verdict, so no instance takes a
   * delivery that is still in flight; it is also how long a crashed instance's deliveries wait.
   */
  private get leaseMs() {
    return 2 * this.o.timeoutMs + 5_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming and waits for the attempts in flight (their verdicts are stored). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run() {
    while (this.running) {
      this.woken = false;
      const free = this.o.concurrency - this.inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      if (free > 0) {
        try {
          claimed = await claimDue(this.o.db, free, this.leaseMs);
        } catch (error) {
          this.o.logger.warn({ err: error }, 'could not claim deliveries; retrying');
        }
        for (const d of claimed) {
          const attempt = this.deliver(d).finally(() => {
            this.inFlight.delete(attempt);
            this.wake();
          });
          this.inFlight.add(attempt);
        }
      }
      // A full claim means more may be due: go again at once (if a slot is free).
      if ((claimed.length > 0 && claimed.length === free) || this.woken) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.o.pollMs);
        this.wakeUp = done;
      });
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const started = process.hrtime.bigint();
    let settlement: Settlement;
    let verdict: string;
    if (!mayPost(d.url, this.o.allowLocalHttp)) {
      settlement = {
        kind: 'failed',
        status: null,
        reason: 'url: only https may be sent to (KETENHUB_WEBHOOK_LOCAL_HTTP is off)',
      };
      verdict = 'failed';
    } else {
      const now = new Date();
      const secrets = signingSecrets(this.o.webhookKey, d, now);
      const signature = signatureHeader(secrets, d.body, Math.floor(now.getTime() / 1000));
      const result = await post(d, signature, this.o.timeoutMs);
      const judged = judge(result, Date.now());
      verdict = judged.kind;
      if (judged.kind === 'retry') {
        const delayMs = retryDelayMs(d.attempts, judged.retryAfterMs, this.o.backoff);
        if (Date.now() + delayMs - d.queuedAt.getTime() > this.o.giveUpAfterMs) {
          verdict = 'gave-up';
          settlement = {
            kind: 'failed',
            status: judged.status,
            reason: `gave up after ${d.attempts} attempts: ${judged.reason}`,
          };
        } else {
          settlement = {
            kind: 'retry',
            status: judged.status,
            reason: judged.reason,
            delayMs,
            receiverWide: judged.receiverWide,
          };
        }
      } else {
        settlement = judged;
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.o.metrics.attempts.inc({ verdict });
    this.o.metrics.duration.observe({ verdict }, seconds);
    if (settlement.kind === 'delivered') {
      this.o.metrics.queueLatency.observe((Date.now() - d.queuedAt.getTime()) / 1000);
    } else {
      // Ids and the verdict only: never the body or the URL's query (either could carry personal data).
      this.o.logger.info(
        {
          deliveryId: d.id,
          subscriptionId: d.subscriptionId,
          eventType: d.eventType,
          attempt: d.attempts,
          verdict,
          status: 'status' in settlement ? settlement.status : null,
        },
        'webhook not delivered',
      );
    }
    try {
      await settle(this.o.db, d, settlement);
    } catch (error) {
      // The lease runs out and the delivery is sent again: at least once, never lost.
      this.o.logger.warn(
        { err: error, deliveryId: d.id },
        'could not store the attempt; it will be repeated',
      );
    }
  }
}
