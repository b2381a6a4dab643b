import {
  type AccessContext,
  type AccessState,
  applyAccess,
  emptyAccess,
  isAccessType,
  resolveAccess,
  type Viewer,
  zichtOpEvent,
} from '@ketenhub/access';
import { fromKafkaRecord, type KetenEvent } from '@ketenhub/events';
import type { ConsumedRecord } from '@ketenhub/kafka';
import { caseKey } from '../cases/case-access.repository';
import type { NewDelivery } from '../deliveries/outbox';
import { type BatchEvent, deliveryBody, foldCase } from '../fanout/fanout';
import { type KnownSubscription, passesFilters } from '../subscriptions/subscription-record';

/** What one subscription's replay or backfill delivers: its types (narrowed), maybe its cases. */
export interface Target {
  subscription: KnownSubscription;
  types: ReadonlySet<string>;
  /** Lower-case case ids; null: every case. */
  cases: ReadonlySet<string> | null;
}

const traceparentOf = (record: ConsumedRecord, event: KetenEvent) =>
  record.headers.traceparent ??
  (typeof (event as { traceparent?: unknown }).traceparent === 'string'
    ? (event as { traceparent: string }).traceparent
    : null);

function toBatchEvent(record: ConsumedRecord, event: KetenEvent): BatchEvent {
  return {
    event,
    value: record.value as Buffer,
    traceparent: traceparentOf(record, event),
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
  };
}

export interface Decided {
  deliveries: NewDelivery[];
  /** Records read, whatever became of them. */
  scanned: number;
  /** Records that do not fit the contract (not delivered, as in live fan-out). */
  invalid: number;
}

/**
 * A replay's part of one partition batch: the live fan-out's decision (fanout.ts foldCase, the
 * same code), asked for one subscription only. Each case's access state is carried across batches
 * in `states`; a case met for the first time starts from its stored access events below the
 * batch (`loadBefore`), so every event is judged as of its own place in the log.
 */
export async function decideReplay(
  records: readonly ConsumedRecord[],
  target: Target,
  ctx: AccessContext,
  states: Map<string, AccessState>,
  loadBefore: (caseIds: string[]) => Promise<Map<string, AccessState>>,
): Promise<Decided> {
  const { subscription, types, cases } = target;
  const queueing = new Map([[subscription.oin, [subscription]]]);
  const none = new Map();
  const queueingFor = (type: string) => (subscription.queues && types.has(type) ? queueing : none);
  const byCase = new Map<string, BatchEvent[]>();
  let invalid = 0;
  for (const record of records) {
    if (cases && (record.key === null || !cases.has(record.key.toLowerCase()))) continue;
    const type = record.headers.ce_type;
    if (type !== undefined && !isAccessType(type) && !types.has(type)) continue;
    const parsed = fromKafkaRecord(record);
    if (!parsed.ok) {
      invalid++;
      continue;
    }
    const id = caseKey(parsed.event.subject);
    if (cases && !cases.has(id)) continue;
    byCase.set(id, [...(byCase.get(id) ?? []), toBatchEvent(record, parsed.event)]);
  }
  const missing = [...byCase.keys()].filter((id) => !states.has(id));
  if (missing.length > 0) for (const [id, s] of await loadBefore(missing)) states.set(id, s);
  const deliveries: NewDelivery[] = [];
  for (const [id, events] of byCase) {
    const f = foldCase(states.get(id), events, ctx, queueingFor);
    states.set(id, f.state);
    deliveries.push(...f.deliveries);
  }
  return { deliveries, scanned: records.length, invalid };
}

/**
 * A case as a backfill folds it: its access state, and its position count as the projection
 * counts it (each valid event once, the first copy; docs/access.md "Late joiners").
 */
export interface CountedCase {
  access: AccessState;
  positie: number;
  seen: Set<string>;
}

/** The case's next event with its position and verdict, or undefined when it does not count (invalid, a copy). */
export function countEvent(c: CountedCase, record: ConsumedRecord, ctx: AccessContext) {
  const parsed = fromKafkaRecord(record);
  // The projection refuses what jsonb cannot hold; such an event has no position there either.
  if (!parsed.ok || (record.value?.includes('\\u0000') ?? false)) return undefined;
  const key = `${parsed.event.source}|${parsed.event.id}`;
  if (c.seen.has(key)) return undefined;
  c.seen.add(key);
  c.positie += 1;
  const verdict = applyAccess(c.access, parsed.event, ctx, c.positie);
  return { event: parsed.event, positie: c.positie, verdict };
}

export const newCountedCase = (): CountedCase => ({ access: emptyAccess(), positie: 0, seen: new Set() });

/**
 * A backfill's first read: the cases it may concern, folded from their first event with
 * positions, so each one's state at the end of the backfill says from which position the viewer
 * takes part (`sinds`).
 */
export function foldForBackfill(
  records: readonly ConsumedRecord[],
  candidates: ReadonlySet<string>,
  folded: Map<string, CountedCase>,
  ctx: AccessContext,
): void {
  for (const record of records) {
    const id = record.key?.toLowerCase();
    if (id === undefined || !candidates.has(id)) continue;
    const c = folded.get(id) ?? newCountedCase();
    folded.set(id, c);
    countEvent(c, record, ctx);
  }
}

/** The cases of a folded backfill the viewer takes part in at its end (in its registered roles). */
export function backfillCases(folded: ReadonlyMap<string, CountedCase>, viewer: Viewer): Set<string> {
  const out = new Set<string>();
  for (const [id, c] of folded) if (resolveAccess(viewer, c.access)) out.add(id);
  return out;
}

/**
 * A backfill's second read: the history of each case as the viewer may read it at the end of the
 * backfill, delivered. The rule is the read rule (`zichtOpEvent` with the case's end state and
 * each event's position, so `nalezen: false` types from before the viewer took part stay away),
 * for a delivery (no conflicts). Records before `queueFrom` are counted, not delivered.
 */
export function decideBackfill(
  records: readonly ConsumedRecord[],
  target: Target,
  ctx: AccessContext,
  ends: ReadonlyMap<string, CountedCase>,
  running: Map<string, CountedCase>,
  queueFrom: bigint,
): Decided {
  const { subscription, types } = target;
  const viewer = { oin: subscription.oin, roles: subscription.roles };
  const deliveries: NewDelivery[] = [];
  let invalid = 0;
  for (const record of records) {
    const id = record.key?.toLowerCase();
    if (id === undefined) continue;
    const end = ends.get(id);
    if (!end) continue;
    const c = running.get(id) ?? newCountedCase();
    running.set(id, c);
    const counted = countEvent(c, record, ctx);
    if (!counted) {
      invalid++;
      continue;
    }
    if (BigInt(record.offset) < queueFrom || !subscription.queues || !types.has(counted.event.type)) continue;
    if (!passesFilters(subscription, end.access.domein, counted.event)) continue;
    const zicht = zichtOpEvent(end.access, counted.event, viewer, {
      verdict: counted.verdict,
      uitgang: 'levering',
      positie: counted.positie,
    });
    if (!zicht) continue;
    const body = deliveryBody(counted.event, record.value as Buffer, zicht);
    if (!body) continue;
    deliveries.push({
      subscriptionId: subscription.id,
      caseId: counted.event.subject,
      eventSource: counted.event.source,
      eventId: counted.event.id,
      eventType: counted.event.type,
      body,
      traceparent: traceparentOf(record, counted.event),
      logTopic: record.topic,
      logPartition: record.partition,
      logOffset: record.offset,
    });
  }
  return { deliveries, scanned: records.length, invalid };
}

/** The history fill's part of a batch: the access events, to store. */
export function accessEventsOf(records: readonly ConsumedRecord[]): BatchEvent[] {
  const out: BatchEvent[] = [];
  for (const record of records) {
    const type = record.headers.ce_type;
    if (type !== undefined && !isAccessType(type)) continue;
    const parsed = fromKafkaRecord(record);
    if (parsed.ok && isAccessType(parsed.event.type)) out.push(toBatchEvent(record, parsed.event));
  }
  return out;
}
