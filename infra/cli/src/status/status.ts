import { sql } from 'kysely';
import { listConsumers, tableExists } from '../consumers/consumers';
import { type ConsumerLag, consumerLags } from '../consumers/lag';
import type { Context } from '../context';
import { HttpError } from '../errors';
import { type Readiness, reason, type ServiceName } from '../http';

/** `GET /subscriptions/{id}/status` of the dispatcher (deliveries/outbox.ts `subscriptionStatus`). */
export interface SubscriptionStatus {
  id: string;
  systemId: string;
  url: string;
  types: string[];
  roles: string[] | null;
  status: string;
  systemRevoked: boolean;
  stoppedAt: string | null;
  stoppedReason: string | null;
  backoffUntil: string | null;
  pending: number;
  failed: number;
  delivered: number;
  lastSuccessAt: string | null;
  lastError: { at: string; reason: string | null } | null;
}

export interface SubscriptionLine {
  id: string;
  systemId: string;
  systemName: string | null;
  /** The dispatcher's view, or why it could not be had. */
  status?: SubscriptionStatus;
  error?: string;
}

export interface StatusReport {
  at: string;
  /** True when every service answers ready and every consumer could be measured. */
  ok: boolean;
  services: Readiness[];
  consumers: (ConsumerLag | { consumer: string; error: string })[];
  subscriptions: {
    /** Where the list of subscriptions came from: the registry, or the dispatcher's table when the registry is down. */
    source: 'registry' | 'dispatcher-table' | null;
    error?: string;
    items: SubscriptionLine[];
  };
}

const services: ServiceName[] = ['registry', 'gateway', 'projection', 'dispatcher'];

/**
 * The subscriptions to report: from the registry (systems, then each one's subscriptions), which
 * also names the systems; while the registry is down, from the dispatcher's own table, because an
 * outage is exactly when an operator wants this view.
 */
async function subscriptionIds(
  ctx: Context,
): Promise<{ source: StatusReport['subscriptions']['source']; error?: string; items: SubscriptionLine[] }> {
  const registry = ctx.service('registry');
  let registryError: string;
  try {
    const systems = await registry.call<{ systems: { id: string; name: string }[] }>('GET', '/systems');
    const items: SubscriptionLine[] = [];
    for (const system of systems.body.systems) {
      const subs = await registry.call<{ subscriptions: { id: string }[] }>(
        'GET',
        `/systems/${system.id}/subscriptions`,
      );
      for (const s of subs.body.subscriptions) {
        items.push({ id: s.id, systemId: system.id, systemName: system.name });
      }
    }
    return { source: 'registry', items };
  } catch (error) {
    registryError = error instanceof Error ? error.message : String(error);
  }
  if (!(await tableExists(ctx, 'dispatcher.subscriptions'))) {
    return { source: null, error: registryError, items: [] };
  }
  const rows = await sql<{ id: string; system_id: string }>`
    select id, system_id from dispatcher.subscriptions where status <> 'deleted' order by id`.execute(ctx.db);
  return {
    source: 'dispatcher-table',
    error: `registry: ${registryError}`,
    items: rows.rows.map((r) => ({ id: r.id, systemId: r.system_id, systemName: null })),
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
    const listed = await subscriptionIds(ctx);
    const dispatcher = ctx.service('dispatcher');
    const items = await Promise.all(
      listed.items.map(async (line): Promise<SubscriptionLine> => {
        try {
          const s = await dispatcher.call<SubscriptionStatus>('GET', `/subscriptions/${line.id}/status`);
          return { ...line, status: s.body };
        } catch (error) {
          return {
            ...line,
            error:
              error instanceof HttpError && error.status === 404
                ? 'not known to the dispatcher (yet)'
                : error instanceof Error
                  ? error.message
                  : String(error),
          };
        }
      }),
    );
    subscriptions = { source: listed.source, ...(listed.error ? { error: listed.error } : {}), items };
  } catch (error) {
    subscriptions = {
      source: null,
      error: error instanceof Error ? error.message : String(error),
      items: [],
    };
  }

  const ready = await readiness;
  const ok = ready.every((r) => r.status === 'ready') && consumers.every((c) => !('error' in c));
  return { at, ok, services: ready, consumers, subscriptions };
}
