import type { AccessState } from '@ketenhub/access';
import { allowNetworks, type Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { DispatcherDatabase } from '../db';
import { signingSecrets } from '../subscriptions/signing-secret';
import { postOnce, type WebhookTargets, webhookTargets } from './http-post';
import type { DeliveryMetrics } from './metrics';
import {
  type ClaimCapacity,
  type ClaimedDelivery,
  claimDue,
  releaseClaimed,
  type SettledAttempt,
  type Settlement,
  settleMany,
} from './outbox';
import { type AttemptResult, judge, type RetryPolicy, retryDelayMs } from './outcome';
import { legacySignatureHeader, standardSignature, webhookId } from './signature';
import { caseAccessOf, type ZgwRequest, zgwRequest } from './zgw-body';

export interface SenderOptions {
  db: Kysely<DispatcherDatabase>;
  logger: Logger;
  metrics: DeliveryMetrics;
  webhookKey: string;
  allowLocalHttp: boolean;
  /** `KETENHUB_WEBHOOK_ALLOW_NETWORKS`: non-public networks receivers may be in anyway. */
  allowNetworks?: readonly string[];
  /** Webhook requests in flight at once on this instance. */
  concurrency: number;
  /** The most of them one subscription may hold (its limit adapts below this, see {@link Sender}). */
  perSubscriptionMax: number;
  /**
   * Rows of one (subscription, chain case) a claim takes together, sent one after another in one
   * slot (outbox.claimDue's runs); 1: each row waits for its predecessor's settlement and a claim.
   * Default {@link defaultRunLength}.
   */
  runLength?: number;
  timeoutMs: number;
  retry: RetryPolicy;
  pollMs: number;
  /** `WebHook-Request-Origin` sent with every delivery (CloudEvents webhook spec: after the handshake, on each request). */
  origin: string;
  /** Also send the deprecated `Ketenhub-Signature` header. */
  legacySignature: boolean;
  /**
   * `DISPATCHER_PROJECTION_URL`: the projection API's base URL as receivers reach it; a ZGW-format
   * notification's `hoofdObject` is the chain case there (`<base>/cases/<id>`).
   */
  projectieUrl: string;
}

/**
 * Claims one sender has in the database at once. One at a time, the claim was busy nearly all the
 * time under load (a claim of 250 rows took about 58 ms) while PostgreSQL had CPU left.
 */
const claimsInFlight = 2;

/** DISPATCHER_RUN_LENGTH's default, also what tests and the benchmark run with. */
export const defaultRunLength = 32;

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

/**
 * The request headers of one attempt: Standard Webhooks, CloudEvents webhook, trace context. A
 * ZGW-format delivery (`zgw`: its Notificaties body and registered Authorization value) is
 * `application/json` with that Authorization header, and its signature covers the body sent.
 */
export function deliveryHeaders(
  d: ClaimedDelivery,
  options: { webhookKey: string; origin: string; legacySignature: boolean },
  now: Date,
  zgw?: { body: Buffer; authorization: string | null },
): Record<string, string> {
  const secrets = signingSecrets(options.webhookKey, d, now);
  const timestampS = Math.floor(now.getTime() / 1000);
  const id = webhookId(d.subscriptionId, d.eventSource, d.eventId);
  const body = zgw?.body ?? d.body;
  const headers: Record<string, string> = {
    'content-type': zgw ? 'application/json' : 'application/cloudevents+json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': standardSignature(secrets, id, timestampS, body),
    'webhook-request-origin': options.origin,
    'ketenhub-delivery': d.id,
    'user-agent': 'Ketenhub-Dispatcher/0.2',
  };
  if (options.legacySignature)
    headers['ketenhub-signature'] = legacySignatureHeader(secrets, body, timestampS);
  if (d.traceparent) headers.traceparent = d.traceparent;
  if (zgw?.authorization) headers.authorization = zgw.authorization;
  return headers;
}

/** A receiver's WebHook-Allowed-Rate as a token bucket of one second's worth. */
interface Bucket {
  tokens: number;
  /** When `tokens` was last refilled. */
  at: number;
  /** No token before then: the subscription is skipped by claims until then. */
  until: number;
}

/**
 * Sends queued deliveries: claims due queue heads (outbox.claimDue), POSTs them at most
 * `concurrency` at a time, stores verdicts in batches (outbox.settleMany).
 *
 * Per subscription, this instance keeps an in-flight limit that adapts the way TCP's window does:
 * +1 per success up to `perSubscriptionMax`, halved on a retryable failure (timeout, network error,
 * 5xx, 429). A receiver that hangs or fails so holds one or two slots instead of all of them, and
 * the other subscriptions keep their throughput; one that answers fast gets the parallelism its
 * many cases allow. A receiver's WebHook-Allowed-Rate (from the registry's handshake) is a token
 * bucket per subscription on top (per instance: with N instances a receiver can get N times it).
 * Rows claimed beyond either are given back without an attempt.
 */
export class Sender {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perSubscription = new Map<string, number>();
  private readonly limits = new Map<string, number>();
  /** Rows the last claim found per subscription (see capacity). */
  private readonly demand = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private settleQueue: SettledAttempt[] = [];
  private readonly flushing = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  /** A wake-up that came while the loop was busy claiming: the next wait is skipped, not lost. */
  private woken = false;
  private loop: Promise<void> | undefined;
  /** Claims in the database now, and the slots they may fill. */
  private readonly claiming = new Set<Promise<void>>();
  private reserved = 0;
  /** Where the sender's time goes (the benchmark prints it): claims and settlement writes. */
  readonly stats = { claims: 0, claimed: 0, claimMs: 0, flushes: 0, flushed: 0, flushMs: 0, released: 0 };

  /** Loopback only with local http (development, tests); private or link-local only when allowed. */
  private readonly targets: WebhookTargets;

  constructor(private readonly o: SenderOptions) {
    this.targets = webhookTargets({
      allowLoopback: o.allowLocalHttp,
      allowed: allowNetworks(o.allowNetworks ?? []),
    });
  }

  /**
   * The lease must outlast the request and the write of its verdict, so no instance takes a
   * delivery that is still in flight; it is also how long a crashed instance's deliveries wait.
   */
  private get leaseMs() {
    return 2 * this.o.timeoutMs + 5_000;
  }

  /** Claim when at least this many slots are free (or nothing is in flight): one query per several deliveries. */
  private get claimBatch() {
    return Math.max(1, Math.ceil(this.o.concurrency / 8));
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

  /** Stops claiming and waits for the attempts in flight and their verdicts. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.claiming]);
    await Promise.allSettled([...this.inFlight]);
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  private limitOf(subscriptionId: string) {
    return this.limits.get(subscriptionId) ?? Math.min(4, this.o.perSubscriptionMax);
  }

  /**
   * What a claim may take per subscription: its demand (what the last claim found: doubled when it
   * took all it could, else halved, not below what it took and one more), within its free slots (limit minus in
   * flight; none while out of tokens), the whole scaled to about twice the free slots. So a
   * subscription with a deep backlog (a replay) gets most of a claim while the others have little
   * to send, everyone gets a share when all have much, and the claim looks at few rows either way.
   */
  private capacity(now: number, free: number): ClaimCapacity {
    const ids = new Set([...this.limits.keys(), ...this.perSubscription.keys(), ...this.demand.keys()]);
    const windows = new Map<string, number>();
    let sum = 0;
    for (const id of ids) {
      const bucket = this.buckets.get(id);
      const slots = bucket && bucket.until > now ? 0 : this.limitOf(id) - (this.perSubscription.get(id) ?? 0);
      const w = Math.max(0, Math.min(slots, this.demand.get(id) ?? 2));
      windows.set(id, w);
      sum += w;
    }
    if (sum > 2 * free) {
      const scale = (2 * free) / sum;
      for (const [id, w] of windows) if (w > 0) windows.set(id, Math.max(1, Math.floor(w * scale)));
    }
    return { perSubscription: windows, otherwise: 2 };
  }

  /** After a claim: how much each subscription it looked at had to give. */
  private learn(capacity: ClaimCapacity, claimed: readonly ClaimedDelivery[], limit: number) {
    const taken = new Map<string, number>();
    for (const d of claimed) taken.set(d.subscriptionId, (taken.get(d.subscriptionId) ?? 0) + 1);
    // A full claim was cut by its free slots (round robin: the subscriptions with few rows first),
    // not by what the subscriptions had: one that got less than its window keeps the window. Else
    // a replay beside live traffic, which the cut hits first, would shrink to a row or two a claim.
    const cut = claimed.length >= limit;
    for (const [id, w] of capacity.perSubscription) {
      if (w === 0) continue;
      const t = taken.get(id) ?? 0;
      if (cut && t < w) continue;
      // Halved, not cut to what it took: rows that were not heads (set aside) take a window's room
      // too, and a subscription whose cases have deep queues would otherwise shrink to one row.
      this.demand.set(
        id,
        t >= w ? Math.min(2 * w, this.o.perSubscriptionMax) : Math.max(2, t + 1, Math.floor(w / 2)),
      );
    }
    for (const [id, t] of taken) {
      if (capacity.perSubscription.has(id)) continue;
      this.demand.set(id, t >= capacity.otherwise ? 2 * capacity.otherwise : t + 1);
    }
  }

  /** Takes a token of the receiver's allowed rate; the time the next one comes when there is none. */
  private takeToken(d: ClaimedDelivery, now: number): number | undefined {
    if (!d.allowedRate) return undefined;
    const perMs = d.allowedRate / 60_000;
    const capacity = Math.max(1, Math.ceil(d.allowedRate / 60));
    const b = this.buckets.get(d.subscriptionId) ?? { tokens: capacity, at: now, until: 0 };
    b.tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.at) * perMs);
    b.at = now;
    this.buckets.set(d.subscriptionId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    b.until = now + Math.ceil((1 - b.tokens) / perMs);
    return b.until;
  }

  private async run() {
    while (this.running) {
      this.woken = false;
      const free = this.o.concurrency - this.inFlight.size - this.reserved;
      const idle = this.inFlight.size === 0 && this.claiming.size === 0;
      if (this.claiming.size < claimsInFlight && (free >= this.claimBatch || (free > 0 && idle))) {
        // Not awaited: a second claim may start while this one is in the database, with the slots
        // that came free meanwhile (claims skip each other's locked rows, as two instances do).
        this.reserved += free;
        const claim: Promise<void> = this.claimAndSend(free)
          .catch((error: unknown) => {
            // claimAndSend handles the database's failures itself; this is a bug, said once per claim.
            this.o.logger.error({ err: error }, 'claiming deliveries failed unexpectedly');
            return false;
          })
          .then((full) => {
            this.reserved -= free;
            this.claiming.delete(claim);
            // A full claim means more may be due: go again at once (if a slot is free). Otherwise
            // the next finished delivery or the poll interval starts the next claim, as before.
            if (full) this.wake();
          });
        this.claiming.add(claim);
        continue;
      }
      if (this.woken) continue;
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

  /** One claim of up to `free` runs, each started in its own slot; whether the claim was full. */
  private async claimAndSend(free: number): Promise<boolean> {
    let runs: ClaimedDelivery[][] = [];
    const now = Date.now();
    try {
      const t = performance.now();
      const capacity = this.capacity(now, free);
      runs = await claimDue(this.o.db, free, this.leaseMs, capacity, this.o.runLength ?? defaultRunLength);
      this.learn(
        capacity,
        runs.map((r) => r[0] as ClaimedDelivery),
        free,
      );
      this.stats.claims++;
      this.stats.claimed += runs.reduce((n, r) => n + r.length, 0);
      this.stats.claimMs += performance.now() - t;
    } catch (error) {
      this.o.logger.warn({ err: error }, 'could not claim deliveries; retrying');
    }
    const giveBack = new Map<number, ClaimedDelivery[]>();
    const back = (at: number, run: readonly ClaimedDelivery[]) =>
      giveBack.set(at, [...(giveBack.get(at) ?? []), ...run]);
    const claimed = runs.flat();
    // ZGW-format rows need their case's domain and the receiver's local case number.
    let access = new Map<string, AccessState>();
    let accessUnread = false;
    if (claimed.some((d) => d.format === 'zgw')) {
      try {
        access = await caseAccessOf(this.o.db, claimed);
      } catch (error) {
        // Not readable now (PostgreSQL gone): the ZGW rows go back and come due again. Built
        // without the case's state they would go out without the receiver's case number, or be
        // parked as unbuildable for good.
        this.o.logger.warn({ err: error }, 'could not read case access for ZGW deliveries; retrying');
        accessUnread = true;
      }
    }
    const zgwRequests = (d: ClaimedDelivery) =>
      zgwRequest(d, access.get(d.caseId), {
        projectieUrl: this.o.projectieUrl,
        webhookKey: this.o.webhookKey,
      });
    for (const run of runs) {
      const d = run[0] as ClaimedDelivery;
      if (accessUnread && d.format === 'zgw') {
        back(now + this.o.pollMs, run);
        continue;
      }
      const n = this.perSubscription.get(d.subscriptionId) ?? 0;
      let at: number | undefined;
      if (n >= this.limitOf(d.subscriptionId)) {
        this.o.metrics.throttled.inc({ why: 'in-flight-limit' });
        at = now;
      } else {
        at = this.takeToken(d, now);
        if (at !== undefined) this.o.metrics.throttled.inc({ why: 'allowed-rate' });
      }
      if (at !== undefined) {
        back(at, run);
        continue;
      }
      this.perSubscription.set(d.subscriptionId, n + 1);
      const attempt = this.deliverRun(run, zgwRequests, now).finally(() => {
        this.inFlight.delete(attempt);
        const left = (this.perSubscription.get(d.subscriptionId) ?? 1) - 1;
        if (left > 0) this.perSubscription.set(d.subscriptionId, left);
        else this.perSubscription.delete(d.subscriptionId);
        this.wake();
      });
      this.inFlight.add(attempt);
    }
    for (const [at, rows] of giveBack) await this.giveBack(rows, at);
    return runs.length > 0 && runs.length === free;
  }

  private adapt(subscriptionId: string, verdict: string) {
    const limit = this.limitOf(subscriptionId);
    if (verdict === 'delivered')
      this.limits.set(subscriptionId, Math.min(this.o.perSubscriptionMax, limit + 1));
    else if (verdict === 'retry' || verdict === 'gave-up' || verdict === 'gone')
      this.limits.set(subscriptionId, Math.max(1, Math.floor(limit / 2)));
  }

  /**
   * A run in one slot: each row once the one before it was delivered. The first row that is not
   * delivered ends it, and the rows after it go back to the queue (they are not heads until it is
   * delivered, so the next claim sets them aside behind it). A row is started only while its lease
   * leaves room for a whole attempt and its settlement, so no other claim can take it meanwhile.
   */
  private async deliverRun(
    run: readonly ClaimedDelivery[],
    zgwOf: (d: ClaimedDelivery) => ZgwRequest,
    claimedAt: number,
  ): Promise<void> {
    for (const [i, d] of run.entries()) {
      if (i > 0) {
        const now = Date.now();
        const late = now > claimedAt + this.leaseMs - this.o.timeoutMs - 5_000;
        const at = !this.running || late ? now : this.takeToken(d, now);
        if (at !== undefined) {
          if (at > now) this.o.metrics.throttled.inc({ why: 'allowed-rate' });
          await this.giveBack(run.slice(i), at);
          return;
        }
      }
      if ((await this.deliver(d, zgwOf)) !== 'delivered') {
        await this.giveBack(run.slice(i + 1), Date.now());
        return;
      }
    }
  }

  private async giveBack(rows: readonly ClaimedDelivery[], at: number) {
    if (rows.length === 0) return;
    this.stats.released += rows.length;
    await releaseClaimed(
      this.o.db,
      rows.map((d) => d.id),
      new Date(at),
    ).catch((error: unknown) =>
      // The lease runs out instead: the rows come due a little later, nothing is lost.
      this.o.logger.warn({ err: error }, 'could not give claimed deliveries back'),
    );
  }

  private async deliver(d: ClaimedDelivery, zgwOf: (d: ClaimedDelivery) => ZgwRequest): Promise<string> {
    const started = process.hrtime.bigint();
    let result: AttemptResult | undefined;
    let unbuildable: string | undefined;
    if (mayPost(d.url, this.o.allowLocalHttp)) {
      // A ZGW-format row sends the Notificaties body built from the stored event, else the event.
      const zgw = d.format === 'zgw' ? zgwOf(d) : undefined;
      if (zgw && !zgw.ok) unbuildable = zgw.reason;
      else {
        const headers = deliveryHeaders(d, this.o, new Date(), zgw);
        result = await postOnce(new URL(d.url), headers, zgw?.body ?? d.body, this.o.timeoutMs, this.targets);
      }
    }
    const { settlement, verdict } = unbuildable
      ? { settlement: { kind: 'failed' as const, status: null, reason: unbuildable }, verdict: 'failed' }
      : this.verdictOf(d, result);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.adapt(d.subscriptionId, verdict);
    this.o.metrics.attempts.inc({ verdict });
    this.o.metrics.duration.observe({ verdict }, seconds);
    if (settlement.kind === 'delivered') {
      this.o.metrics.queueLatency.observe((Date.now() - d.queuedAt.getTime()) / 1000);
    } else {
      this.report(d, settlement, verdict);
    }
    this.settleQueue.push({ delivery: d, settlement, at: new Date() });
    this.flush();
    return verdict;
  }

  private verdictOf(
    d: ClaimedDelivery,
    result: AttemptResult | undefined,
  ): { settlement: Settlement; verdict: string } {
    if (!result) {
      return {
        settlement: {
          kind: 'failed',
          status: null,
          reason: 'url: only https may be sent to (KETENHUB_WEBHOOK_LOCAL_HTTP is off)',
        },
        verdict: 'failed',
      };
    }
    const judged = judge(result, Date.now());
    if (judged.kind !== 'retry') return { settlement: judged, verdict: judged.kind };
    const attempts = d.attempts + 1;
    const delayMs = retryDelayMs(attempts, judged.retryAfterMs, this.o.retry);
    if (delayMs === null) {
      const reason = `gave up after ${attempts} attempts: ${judged.reason}`;
      return {
        settlement: {
          kind: 'failed',
          status: judged.status,
          reason,
          // The receiver as a whole has failed for the whole schedule: stop sending it anything
          // rather than park every one of its deliveries in turn; resume delivers them.
          ...(judged.receiverWide ? { stopSubscription: `paused by failures: ${reason}` } : {}),
        },
        verdict: 'gave-up',
      };
    }
    return {
      settlement: {
        kind: 'retry',
        status: judged.status,
        reason: judged.reason,
        delayMs,
        receiverWide: judged.receiverWide,
      },
      verdict: 'retry',
    };
  }

  /** Log lines (ids and verdicts only: never the body or the URL's query) and the alert counters. */
  private report(d: ClaimedDelivery, settlement: Settlement, verdict: string) {
    const status = 'status' in settlement ? settlement.status : null;
    const ids = { deliveryId: d.id, subscriptionId: d.subscriptionId, eventType: d.eventType };
    if (settlement.kind === 'failed') {
      const reason = verdict === 'gave-up' ? 'gave-up' : status === null ? 'refused-url' : `http-${status}`;
      this.o.metrics.parked.inc({ subscription: d.subscriptionId, reason });
      this.o.logger.error(
        { ...ids, alert: 'webhook-delivery-parked', reason, attempts: d.attempts + 1, status },
        'webhook delivery parked; the operator re-queues it',
      );
      return;
    }
    // A stop is reported once, when its verdict is stored (flush): several deliveries may see it.
    if (settlement.kind === 'gone') return;
    this.o.logger.info({ ...ids, attempt: d.attempts + 1, verdict, status }, 'webhook not delivered');
  }

  /**
   * Stores what finished, together: while one write is under way the next verdicts gather, so
   * under load one transaction settles many. A failed write is not retried: the leases run out and
   * those deliveries are sent again (at least once, never lost).
   */
  private flush() {
    // One write at a time: two would take the subscriptions' rows in different orders (a batch
    // settles several subscriptions) and deadlock; while one commits, the next batch gathers.
    while (this.flushing.size < 1 && this.settleQueue.length > 0) {
      const batch = this.settleQueue.splice(0, 1_000);
      const write = this.write(batch).finally(() => {
        this.flushing.delete(write);
        this.wake();
        this.flush();
      });
      this.flushing.add(write);
    }
  }

  private async write(batch: SettledAttempt[]) {
    try {
      const t = performance.now();
      const { stopped } = await settleMany(this.o.db, batch);
      this.stats.flushes++;
      this.stats.flushed += batch.length;
      this.stats.flushMs += performance.now() - t;
      for (const { subscriptionId, reason } of stopped) {
        this.o.metrics.stops.inc({ subscription: subscriptionId, reason });
        this.o.logger.error(
          { subscriptionId, alert: 'webhook-subscription-stopped', reason },
          reason === 'gone'
            ? 'webhook subscription stopped: the receiver answered 410 Gone; the operator resumes it'
            : 'webhook subscription stopped after its retry schedule ran out; the operator resumes it',
        );
      }
    } catch (error) {
      this.o.logger.warn(
        { err: error, deliveries: batch.length },
        'could not store attempts; they will be repeated',
      );
    }
  }
}
