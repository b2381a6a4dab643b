import type { Metrics } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { DispatcherDatabase } from '../db';
import { queueCounts, stoppedCount } from './outbox';

/** The dispatcher's own instruments, on the service's registry (served at /metrics). */
export function createDeliveryMetrics(metrics: Metrics, db: Kysely<DispatcherDatabase>) {
  const registers = [metrics.registry];
  const attempts = new Counter({
    name: 'ketenhub_webhook_attempts_total',
    help: 'Webhook delivery attempts by verdict (delivered, retry, gone, failed, gave-up)',
    labelNames: ['verdict'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'ketenhub_webhook_attempt_duration_seconds',
    help: 'Time from sending a webhook to its answer (or error), by verdict',
    labelNames: ['verdict'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const queueLatency = new Histogram({
    name: 'ketenhub_webhook_delivery_latency_seconds',
    help: 'Time from queueing an event for a subscription to its successful delivery',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600, 3600],
    registers,
  });
  new Gauge({
    name: 'ketenhub_webhook_queue_deliveries',
    help: 'Deliveries waiting (pending) or parked (failed), all subscriptions',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      try {
        const counts = await queueCounts(db);
        this.set({ status: 'pending' }, counts.pending ?? 0);
        this.set({ status: 'failed' }, counts.failed ?? 0);
      } catch {
        // Database unreachable: the scrape goes on without these, readiness reports the outage.
      }
    },
  });
  // Alerting: a rule on `increase(ketenhub_webhook_parked_total[5m]) > 0` or on the stopped gauge
  // pages the operator; the matching log lines carry `alert` with the same names (docs/dispatcher.md).
  const parked = new Counter({
    name: 'ketenhub_webhook_parked_total',
    help: 'Deliveries parked as failed (the sender gave up, or the receiver refused with a 4xx), by subscription and reason',
    labelNames: ['subscription', 'reason'] as const,
    registers,
  });
  const stops = new Counter({
    name: 'ketenhub_webhook_subscription_stops_total',
    help: 'Subscriptions the dispatcher stopped (410 Gone, or paused after the retry schedule ran out), by subscription and reason',
    labelNames: ['subscription', 'reason'] as const,
    registers,
  });
  new Gauge({
    name: 'ketenhub_webhook_subscriptions_stopped',
    help: 'Subscriptions stopped now and waiting for the operator to resume them',
    registers,
    async collect() {
      try {
        this.set(await stoppedCount(db));
      } catch {
        // As above.
      }
    },
  });
  const throttled = new Counter({
    name: 'ketenhub_webhook_throttled_total',
    help: "Claimed deliveries held back by a receiver's WebHook-Allowed-Rate or this instance's per-subscription limit",
    labelNames: ['why'] as const,
    registers,
  });
  return { attempts, duration, queueLatency, parked, stops, throttled };
}
export type DeliveryMetrics = ReturnType<typeof createDeliveryMetrics>;
