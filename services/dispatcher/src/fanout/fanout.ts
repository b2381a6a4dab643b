import {
  type AccessContext,
  type AccessState,
  applyAccess,
  betrokkeneVan,
  type EventZicht,
  emptyAccess,
  zichtOpEvent,
} from '@ketenhub/access';
import { type KetenEvent, validateEnvelope } from '@ketenhub/events';
import type { NewDelivery } from '../deliveries/outbox';
import { type KnownSubscription, passesFilters } from '../subscriptions/subscription-record';

/** Queueing subscriptions of one type, by the OIN of their organisation (SubscriptionDirectory). */
export type SubscriptionsByOin = ReadonlyMap<string, readonly KnownSubscription[]>;

export interface Recipient {
  subscription: KnownSubscription;
  zicht: EventZicht;
}

/**
 * Pure: which of `queueing` receive `event`, and what of it. The decision is the hub's one access
 * rule, `zichtOpEvent` of @ketenhub/access, asked per subscription with the organisation's OIN and
 * its system's registered roles, on the case's access state just after the event.
 *
 * Which subscriptions to ask is an index, not a second rule: the rule gives nothing to an
 * organisation that neither takes part in the case nor is the one a participation event is about
 * (`betrokkeneVan`), so only those organisations' subscriptions are looked up, and a type with a
 * thousand subscribers costs per participant of the case, not per subscriber.
 */
export function recipients(
  stateAfter: AccessState,
  event: KetenEvent,
  verdict: { ok: boolean },
  queueing: SubscriptionsByOin,
): Recipient[] {
  if (queueing.size === 0) return [];
  const oins = new Set<string>();
  for (const d of stateAfter.deelnames) if (d.status === 'actief') oins.add(d.oin);
  const betrokkene = betrokkeneVan(stateAfter, event);
  if (betrokkene !== undefined) oins.add(betrokkene);
  const out: Recipient[] = [];
  for (const oin of oins) {
    for (const subscription of queueing.get(oin) ?? []) {
      if (!passesFilters(subscription, stateAfter.domein, event)) continue;
      const zicht = zichtOpEvent(
        stateAfter,
        event,
        { oin: subscription.oin, roles: subscription.roles },
        { verdict, uitgang: 'levering' },
      );
      if (zicht) out.push({ subscription, zicht });
    }
  }
  return out;
}

/**
 * The body of one delivery. In full: the Kafka record value itself, byte for byte (the event as it
 * is in the log, which is what the signature covers). Partly visible: a copy of the CloudEvent with
 * the data the rule left and the extension attribute `redactie` naming the redaction, so a receiver
 * can tell a redacted copy from the event and look the redaction up (docs/access-catalog.md).
 * `dataschema` is left out of the copy: the redacted data no longer fits the type's schema.
 * Undefined when the copy would not pass the envelope rules (never for the catalog's redactions;
 * the unit test goes through all of them); then nothing is delivered rather than something wrong.
 */
export function deliveryBody(event: KetenEvent, value: Buffer, zicht: EventZicht): Buffer | undefined {
  if (zicht.zicht === 'volledig') return value;
  const {
    data: _data,
    dataschema: _dataschema,
    ...attributes
  } = event as KetenEvent & { dataschema?: string };
  const copy = { ...attributes, redactie: zicht.redactie, data: zicht.data };
  if (!validateEnvelope(copy).ok) return undefined;
  return Buffer.from(JSON.stringify(copy), 'utf8');
}

/** A parsed event of the batch, with what its deliveries carry. */
export interface BatchEvent {
  event: KetenEvent;
  value: Buffer;
  traceparent: string | null;
  /** Where the record is in the log (the deliveries carry it: per-case order). */
  topic: string;
  partition: number;
  offset: string;
  /** Read again only to rebuild the case's access state (the upgrade's second read): queue nothing. */
  rebuildOnly?: boolean;
}

export interface CaseFold {
  state: AccessState;
  /** The state changed: some access event was folded in. */
  changed: boolean;
  deliveries: NewDelivery[];
  /** Deliveries the rule allowed but whose redacted copy failed the envelope rules (not queued). */
  unfit: number;
}

/**
 * Pure: one chain case's events of a batch, in log order, folded into its access state (`from` is
 * not changed). Every event gets its verdict at its place in the log; each subscription that queues
 * its type is asked with the state just after it (an added organisation receives its own admission,
 * a removed one its removal and nothing after).
 */
export function foldCase(
  from: AccessState | undefined,
  events: readonly BatchEvent[],
  ctx: AccessContext,
  queueingFor: (type: string) => SubscriptionsByOin,
): CaseFold {
  const state = from ? structuredClone(from) : emptyAccess();
  const seen = state.gezien.length;
  const deliveries: NewDelivery[] = [];
  let unfit = 0;
  for (const e of events) {
    // Positions in the case's log are not counted here (records nobody wants are not even read);
    // the rule needs them only for reads of late joiners, never for deliveries.
    const verdict = applyAccess(state, e.event, ctx, 0);
    if (e.rebuildOnly) continue;
    for (const { subscription, zicht } of recipients(state, e.event, verdict, queueingFor(e.event.type))) {
      const body = deliveryBody(e.event, e.value, zicht);
      if (!body) {
        unfit++;
        continue;
      }
      deliveries.push({
        subscriptionId: subscription.id,
        caseId: e.event.subject,
        eventSource: e.event.source,
        eventId: e.event.id,
        eventType: e.event.type,
        body,
        traceparent: e.traceparent,
        logTopic: e.topic,
        logPartition: e.partition,
        logOffset: e.offset,
      });
    }
  }
  // Every access event not seen before is remembered in `gezien`, whatever its verdict.
  return { state, changed: state.gezien.length !== seen, deliveries, unfit };
}
