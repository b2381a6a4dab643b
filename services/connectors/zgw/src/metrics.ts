import { createMetrics } from '@ketenhub/service';
import { Counter, Gauge } from 'prom-client';

/**
 * The hub's common instruments plus the connector's own. `ketenhub_zgw_notificaties_afgehandeld_total`
 * with `uitkomst="onverwerkt"` is what an operator alerts on: notifications answered 2xx that did not
 * become events (the reason is a label; the notifications themselves are at `GET /onverwerkt`).
 */
export function createConnectorMetrics(
  counts?: () => Promise<{ pending: Record<string, number>; outbox: number }>,
) {
  const base = createMetrics('connector-zgw');
  const ontvangen = new Counter({
    name: 'ketenhub_zgw_notificaties_ontvangen_total',
    help: 'Notifications taken in, by source, kanaal, resource and actie; dubbel="true" for a re-sent one',
    labelNames: ['bron', 'kanaal', 'resource', 'actie', 'dubbel'] as const,
    registers: [base.registry],
  });
  const afgehandeld = new Counter({
    name: 'ketenhub_zgw_notificaties_afgehandeld_total',
    help: 'Notifications handled, by source, outcome (verwerkt, genegeerd, onverwerkt, wacht, geweigerd) and reason',
    labelNames: ['bron', 'uitkomst', 'reden'] as const,
    registers: [base.registry],
  });
  const events = new Counter({
    name: 'ketenhub_zgw_events_total',
    help: 'Events sent to the gateway, by source, type and outcome (accepted, rejected)',
    labelNames: ['bron', 'type', 'uitkomst'] as const,
    registers: [base.registry],
  });
  const zgwFouten = new Counter({
    name: 'ketenhub_zgw_api_retries_total',
    help: 'Notifications put back because a ZGW API could not be reached or refused the credentials',
    labelNames: ['bron'] as const,
    registers: [base.registry],
  });
  const gatewayFouten = new Counter({
    name: 'ketenhub_zgw_gateway_retries_total',
    help: 'Relay rounds put back because the gateway could not take the events (503, 429, unreachable, 401)',
    labelNames: ['bron'] as const,
    registers: [base.registry],
  });
  if (counts) {
    // Read when scraped: what waits is in the database, shared by every instance.
    new Gauge({
      name: 'ketenhub_zgw_notificaties',
      help: 'Notifications in the connector database by status',
      labelNames: ['status'] as const,
      registers: [base.registry],
      async collect() {
        const { pending } = await counts();
        this.reset();
        for (const [status, n] of Object.entries(pending)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'ketenhub_zgw_outbox_pending',
      help: 'Events prepared and not yet accepted by the gateway',
      registers: [base.registry],
      async collect() {
        this.set((await counts()).outbox);
      },
    });
  }
  return { ...base, ontvangen, afgehandeld, events, zgwFouten, gatewayFouten };
}

export type ConnectorMetrics = ReturnType<typeof createConnectorMetrics>;
