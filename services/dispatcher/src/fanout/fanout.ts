import type { KnownSubscription } from '../subscriptions/subscription-record';

/**
 * Pure: which subscriptions receive an event. The access rule of the hub's webhooks: the type is
 * one the subscription asked for (a subset of what its system registered to consume), and the
 * subscriber's organisation takes part in the event's chain case. An organisation outside the case
 * gets nothing of it, whatever it subscribed to.
 */
export function recipients(
  type: string,
  participants: ReadonlySet<string> | undefined,
  subscriptions: readonly KnownSubscription[],
): KnownSubscription[] {
  if (!participants || participants.size === 0) return [];
  return subscriptions.filter((s) => s.queues && s.types.has(type) && participants.has(s.oin));
}
