import { listConsumers } from '../consumers/consumers';
import { type ConsumerLag, consumerLags } from '../consumers/lag';
import type { Context } from '../context';
import { type Readiness, reason, type ServiceName } from '../http';

/**
 * One subscription as the dispatcher's operator API shows it (`GET /subscriptions` and
 * `GET /subscriptions/{id}/status`, services/dispatcher/src/deliveries/outbox.ts).
 */
export interface SubscriptionStatus {
  id: string;
  systemId: string;
  oin?: string;
  url: string;
  types: string[];
  roles: string[] | null;
  status: string;
  systemRevoked: boolean;
  allowedRate?: number | null;
  stoppedAt: string | null;
  stoppedReason: string | null;
  backoffUntil: string | null;
  pending: number;
  failed: number;
  delivered: number;
  cancelled?: number;
  /** When the oldest pending delivery was queued: how far behind the receiver is. */
  oldestPendingAt?: string | null;
  replaysRunning?: number;
  lastSuccessAt: string | null;
  lastError: { at: string; reason: string | null } | null;
}

export interface SubscriptionLine extends SubscriptionStatus {
  /** The system's name from the registry, when it answered. */
  systemName: string | null;
}

export interface StatusReport {
  at: string;
  /** True when every service answers ready and every consumer could be measured. */
  ok: boolean;
  services: Readiness[];
  consumers: (ConsumerLag | { consumer: string; error: string })[];
  /** Every subscription the dispatcher knows, or why the list could not be had. */
  subscriptions: { error?: string; items: SubscriptionLine[] };
}

const services: ServiceName[] = ['registry', 'gateway', 'projection', 'dispatcher'];

/** Subscriptions with their queues from the dispatcher, named from the registry (when it answers). */
async function subscriptionLines(ctx: Context): Promise<StatusReport['subscriptions']> {
  const listed = await ctx
    .service('dispatcher')
    .call<{ subscriptions: SubscriptionStatus[] }>('GET', '/subscriptions');
  const names = new Map<string, string>();
  try {
    const systems = await ctx
      .service('registry')
      .call<{ systems: { id: string; name: string }[] }>('GET', '/systems');
    for (const s of systems.body.systems) names.set(s.id, s.name);
  } catch {
    // Names are a courtesy: the queues are the dispatcher's, and the registry's readiness is reported above.
  }
  return {
    items: listed.body.subscriptions
      .filter((s) => s.status !== 'deleted')
      .map((s) => ({ ...s, systemName: names.get(s.systemId) ?? null })),
  };
}

export async function gatherStatus(ctx: Context): Promise<StatusReport> {
  const at = ctx.now().toISOString();
  const readiness = Promise.all(services.map((s) => ctx.service(s).readiness()));

  const consumers: StatusReport['consumers'] = [];
  try {
    const listed = await listConsumers(ctx);
    for (const p of listed.problems) consumers.push({ consumer: p.name, error: p.error });
    try {
      consumers.push(...(await consumerLags(ctx, listed.consumers)));
    } catch (error) {
      for (const c of listed.consumers)
        consumers.push({ consumer: c.name, error: `Kafka: ${reason(error)}` });
    }
  } catch (error) {
    consumers.push({ consumer: '*', error: `PostgreSQL: ${reason(error)}` });
  }

  let subscriptions: StatusReport['subscriptions'];
  try {
    subscriptions = await subscriptionLines(ctx);
  } catch (error) {
    subscriptions = { error: error instanceof Error ? error.message : String(error), items: [] };
  }

  const ready = await readiness;
  const ok = ready.every((r) => r.status === 'ready') && consumers.every((c) => !('error' in c));
  return { at, ok, services: ready, consumers, subscriptions };
}
