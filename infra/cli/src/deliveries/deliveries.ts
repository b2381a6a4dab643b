import type { Context } from '../context';
import { UsageError } from '../errors';
import type { SubscriptionStatus } from '../status/status';

/**
 * A subscription's deliveries over the dispatcher's operator API
 * (services/dispatcher/src/deliveries/deliveries.routes.ts): the CLI never touches the outbox table.
 */

export interface Delivery {
  id: string;
  /** The Standard Webhooks `webhook-id` it is sent with (the same in a replay: receivers drop repeats by it). */
  webhookId?: string;
  caseId: string;
  eventSource: string;
  eventId: string;
  eventType: string;
  /** `cancelled`: queued by a replay that was cancelled before it went out. */
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt?: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  requeuedAt?: string | null;
  /** Where its event is in the log. */
  log?: { topic: string; partition: number; offset: string } | null;
  /** The replay or backfill that queued it, if one did. */
  replayId?: string | null;
}

export type DeliveryStatus = Delivery['status'];

export async function getDelivery(ctx: Context, subscription: string, id: string): Promise<Delivery> {
  if (!/^\d+$/.test(id)) throw new UsageError(`delivery: "${id}" is not a delivery id`);
  return (
    await ctx.service('dispatcher').call<Delivery>('GET', `/subscriptions/${subscription}/deliveries/${id}`)
  ).body;
}

export async function subscriptionStatus(ctx: Context, subscription: string): Promise<SubscriptionStatus> {
  return (
    await ctx.service('dispatcher').call<SubscriptionStatus>('GET', `/subscriptions/${subscription}/status`)
  ).body;
}

/** One page, or every page when `all` (the API pages by delivery id, at most 1,000 a page). */
export async function listDeliveries(
  ctx: Context,
  subscription: string,
  q: { status: DeliveryStatus; limit: number; after?: string; all: boolean },
): Promise<{ deliveries: Delivery[]; next: string | null }> {
  const dispatcher = ctx.service('dispatcher');
  const deliveries: Delivery[] = [];
  let after = q.after;
  for (;;) {
    const params = new URLSearchParams({ status: q.status, limit: String(q.limit) });
    if (after) params.set('after', after);
    const page = await dispatcher.call<{ deliveries: Delivery[]; next: string | null }>(
      'GET',
      `/subscriptions/${subscription}/deliveries?${params}`,
    );
    deliveries.push(...page.body.deliveries);
    if (!q.all || !page.body.next) return { deliveries, next: page.body.next };
    after = page.body.next;
  }
}

export interface RequeuePlan {
  subscription: string;
  /** The parked deliveries that go back into the queue (all of them, or the ones named). */
  deliveries: Delivery[];
  /** Ids named with --id that are not parked (delivered, pending, or not this subscription's). */
  notParked: string[];
}

export async function planRequeue(ctx: Context, subscription: string, ids: readonly string[] | undefined) {
  for (const id of ids ?? []) {
    if (!/^\d+$/.test(id)) throw new UsageError(`--id: "${id}" is not a delivery id`);
  }
  const failed = (await listDeliveries(ctx, subscription, { status: 'failed', limit: 1000, all: true }))
    .deliveries;
  const wanted = ids ? new Set(ids) : null;
  const plan: RequeuePlan = {
    subscription,
    deliveries: wanted ? failed.filter((d) => wanted.has(d.id)) : failed,
    notParked: ids ? ids.filter((id) => !failed.some((d) => d.id === id)) : [],
  };
  return plan;
}

/**
 * Puts parked deliveries back in the queue: with ids exactly those, without every one parked at
 * that moment. Each keeps its outbox id, so it goes out before anything later of its chain case.
 */
export async function requeue(ctx: Context, subscription: string, ids: readonly string[] | undefined) {
  const answer = await ctx
    .service('dispatcher')
    .call<{ requeued: number }>(
      'POST',
      `/subscriptions/${subscription}/deliveries/requeue`,
      ids ? { ids: [...ids] } : {},
    );
  return answer.body.requeued;
}

export async function resume(ctx: Context, subscription: string): Promise<SubscriptionStatus> {
  return (
    await ctx.service('dispatcher').call<SubscriptionStatus>('POST', `/subscriptions/${subscription}/resume`)
  ).body;
}
