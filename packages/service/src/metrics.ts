import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** A registry per service, with process metrics and the hub's common instruments. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'ketenhub_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const consumerLag = new Gauge({
    name: 'ketenhub_consumer_lag_records',
    help: 'Records between the consumer position and the end of the partition',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
  });
  const eventsConsumed = new Counter({
    name: 'ketenhub_events_consumed_total',
    help: 'Events handled by a consumer, by outcome',
    labelNames: ['group', 'topic', 'outcome'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, consumerLag, eventsConsumed };
}
export type Metrics = ReturnType<typeof createMetrics>;
