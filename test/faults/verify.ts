import type { Received } from './consumers';
import type { LogRecord } from './kafka';
import type { SentEvent } from './load';

/** One finding of the checks: `fails` ones make the run fail. */
export interface Check {
  name: string;
  value: number | string;
  fails: boolean;
  details?: string[];
}

const sample = (xs: string[], n = 5) => (xs.length > n ? [...xs.slice(0, n), `… ${xs.length - n} more`] : xs);

export interface LogFacts {
  /** First copy of each event id, in log order. */
  first: Map<string, LogRecord>;
  copies: Map<string, LogRecord[]>;
}

export function logFacts(records: readonly LogRecord[]): LogFacts {
  const first = new Map<string, LogRecord>();
  const copies = new Map<string, LogRecord[]>();
  for (const r of records) {
    const key = `${r.source} ${r.id}`;
    if (!first.has(key)) first.set(key, r);
    const list = copies.get(key) ?? [];
    list.push(r);
    copies.set(key, list);
  }
  return { first, copies };
}

/**
 * Kafka against what the load generator was told: every 2xx event in the log (lost: 0), once, or
 * twice only when a gateway was killed between the two copies (the documented re-publish of an
 * unconfirmed claim; the copies share source + id and consumers drop the second); events never
 * accepted at most once; per chain case the client's order.
 */
export function checkLog(
  source: string,
  sent: ReadonlyMap<string, SentEvent>,
  log: LogFacts,
  gatewayKills: readonly { at: number; exited: number }[],
): Check[] {
  const lost: string[] = [];
  const explained: string[] = [];
  const unexplained: string[] = [];
  const unknown: string[] = [];
  const outOfOrder: string[] = [];
  let acceptedInLog = 0;
  let unacceptedInLog = 0;
  let unacceptedMissing = 0;
  for (const e of sent.values()) {
    const copies = log.copies.get(`${source} ${e.id}`) ?? [];
    if (e.acceptedAt !== undefined) {
      if (copies.length === 0) lost.push(`${e.type} ${e.id} (case ${e.caseId}) answered 2xx, not in Kafka`);
      else acceptedInLog++;
    } else if (copies.length === 0) unacceptedMissing++;
    else unacceptedInLog++;
    if (copies.length > 1) {
      const a = copies[0]?.timestampMs ?? 0;
      const b = copies.at(-1)?.timestampMs ?? 0;
      const line = `${e.id}: ${copies.length} copies (${copies.map((c) => `${c.partition}@${c.offset} t=${c.timestampMs}`).join(', ')})`;
      // The first copy written by the killed process (before it was gone), the second after the kill.
      if (copies.length === 2 && gatewayKills.some((k) => a <= k.exited && b >= k.at)) explained.push(line);
      else unexplained.push(line);
    }
  }
  for (const key of log.copies.keys()) {
    const id = key.slice(key.indexOf(' ') + 1);
    if (!key.startsWith(`${source} `) || !sent.has(id)) unknown.push(key);
  }
  // Per case: the first copies in log order must follow the client's order.
  const byCase = new Map<string, { index: number; offset: bigint }[]>();
  for (const e of sent.values()) {
    const r = log.first.get(`${source} ${e.id}`);
    if (!r) continue;
    const list = byCase.get(e.caseId) ?? [];
    list.push({ index: e.index, offset: r.offset });
    byCase.set(e.caseId, list);
  }
  for (const [caseId, list] of byCase) {
    list.sort((x, y) => x.index - y.index);
    for (let i = 1; i < list.length; i++) {
      if ((list[i]?.offset ?? 0n) < (list[i - 1]?.offset ?? 0n))
        outOfOrder.push(`case ${caseId} event #${list[i]?.index}`);
    }
  }
  return [
    { name: 'Kafka: 2xx events in the log', value: acceptedInLog, fails: false },
    {
      name: 'Kafka: 2xx events missing (lost)',
      value: lost.length,
      fails: lost.length > 0,
      details: sample(lost),
    },
    {
      name: 'Kafka: never-2xx events in the log / not in it',
      value: `${unacceptedInLog} / ${unacceptedMissing}`,
      fails: false,
    },
    {
      name: 'Kafka: second copies after a gateway kill -9 (same source+id, dropped by consumers)',
      value: explained.length,
      fails: false,
      details: sample(explained),
    },
    {
      name: 'Kafka: other duplicate records',
      value: unexplained.length,
      fails: unexplained.length > 0,
      details: sample(unexplained),
    },
    {
      name: 'Kafka: records nobody sent',
      value: unknown.length,
      fails: unknown.length > 0,
      details: sample(unknown),
    },
    {
      name: 'Kafka: cases out of the client order',
      value: outOfOrder.length,
      fails: outOfOrder.length > 0,
      details: sample(outOfOrder),
    },
  ];
}

/**
 * A consumer (webhook subscriber, feed reader) against the log: every event of the subscribed
 * type it may see (the subscriber takes part in every case before its first toewijzing) arrived
 * exactly once, and per case in log order.
 */
export function checkConsumer(
  label: string,
  source: string,
  expectedType: string,
  log: LogFacts,
  received: readonly Received[],
): Check[] {
  const expected = [...log.first.values()].filter((r) => r.type === expectedType && r.source === source);
  const seen = new Map<string, number>();
  for (const r of received) seen.set(r.eventId, (seen.get(r.eventId) ?? 0) + 1);
  const missing = expected.filter((r) => !seen.has(r.id)).map((r) => `${r.id} (case ${r.caseId})`);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  const expectedIds = new Set(expected.map((r) => r.id));
  const unexpected = [...seen.keys()].filter((id) => !expectedIds.has(id));
  // Order per case: arrival order of first arrivals equals log order.
  const logOrder = new Map<string, string[]>();
  for (const r of expected) logOrder.set(r.caseId, [...(logOrder.get(r.caseId) ?? []), r.id]);
  const arrivals = new Map<string, string[]>();
  const firstSeen = new Set<string>();
  for (const r of received) {
    if (firstSeen.has(r.eventId)) continue;
    firstSeen.add(r.eventId);
    arrivals.set(r.caseId, [...(arrivals.get(r.caseId) ?? []), r.eventId]);
  }
  const disorder: string[] = [];
  for (const [caseId, ids] of arrivals) {
    const order = (logOrder.get(caseId) ?? []).filter((id) => firstSeen.has(id));
    if (order.join() !== ids.join()) disorder.push(`case ${caseId}`);
  }
  return [
    {
      name: `${label}: events expected / received`,
      value: `${expected.length} / ${firstSeen.size}`,
      fails: false,
    },
    {
      name: `${label}: missing (lost)`,
      value: missing.length,
      fails: missing.length > 0,
      details: sample(missing),
    },
    {
      name: `${label}: duplicated effects`,
      value: duplicates.length,
      fails: duplicates.length > 0,
      details: sample(duplicates),
    },
    {
      name: `${label}: not expected`,
      value: unexpected.length,
      fails: unexpected.length > 0,
      details: sample(unexpected),
    },
    {
      name: `${label}: cases out of order`,
      value: disorder.length,
      fails: disorder.length > 0,
      details: sample(disorder),
    },
  ];
}
