import { createHash } from 'node:crypto';
import {
  amsterdamDate,
  berekenTermijn,
  type CaseState,
  type IsoDate,
  type Klok,
  verstrekenKlokken,
} from '@ketenhub/case-model';
import { type KetenEvent, sourceFor, toKafkaRecord, validateEvent } from '@ketenhub/events';
import type { Publisher } from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import { sql } from 'kysely';
import type { ProjectionDb } from '../database';

/**
 * Deadline events (issue 5 item 6): when a running clock passes its deadline the hub publishes
 * `nl.ketens.termijn-verstreken` to the case's domain topic, once.
 *
 * Once, across restarts and instances:
 * 1. the event id is derived from (case, clock, deadline), so a re-publication is the same event
 *    and every consumer drops it by source+id;
 * 2. before publishing, an instance claims that id with an INSERT on the primary key; a claim is
 *    taken over only when its lease ran out (the claimer crashed between claim and confirm);
 * 3. after Kafka confirmed the write (acks=all), the claim is marked `verzonden` and never retried;
 * 4. the projection consumes the event back and records the deadline on the clock, which takes the
 *    case out of the scan (`te_melden_deadline`).
 * An extension or suspension moves the deadline and so gives a new id: a later passing is a new fact.
 */

export const hubSystem = 'ketenhub';

/** Deterministic UUID (v5 layout) from case, clock and deadline. */
export function deadlineEventId(caseId: string, termijn: string, deadline: IsoDate): string {
  const h = createHash('sha256')
    .update(`ketenhub:termijn-verstreken:${caseId}:${termijn}:${deadline}`)
    .digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export function termijnVerstrekenEvent(
  caseId: string,
  klok: Klok,
  deadline: IsoDate,
  hubOin: string,
  now: Date,
): KetenEvent {
  const b = berekenTermijn(klok);
  return {
    specversion: '1.0',
    id: deadlineEventId(caseId, klok.soort, deadline),
    source: sourceFor(hubOin, hubSystem),
    type: 'nl.ketens.termijn-verstreken',
    time: now.toISOString(),
    subject: caseId,
    datacontenttype: 'application/json',
    data: {
      termijn: klok.soort,
      grondslag: b.grondslag,
      startdatum: klok.start,
      termijnEinde: deadline,
      opgeschorteDagen: b.opgeschorteDagen,
      verlengd: b.verlengd,
      klok: 'Europe/Amsterdam',
    },
  };
}

export interface ScannerOptions {
  db: ProjectionDb;
  /** Base schema: reads the active version's view, claims in `<base>.deadline_events`. */
  schema: string;
  publisher: Publisher;
  topicPrefix: string;
  hubOin: string;
  /** Names this instance in claims (host + pid). */
  instanceId: string;
  leaseMs: number;
  logger: Logger;
  now(): Date;
  /** Cases per scan round. */
  batchSize?: number;
}

export interface ScanResult {
  due: number;
  published: number;
  skipped: number;
}

/** One scan: claims and publishes every due, unannounced deadline. Safe to run on every instance. */
export async function scanDeadlines(o: ScannerOptions): Promise<ScanResult> {
  const now = o.now();
  const today = amsterdamDate(now);
  const claims = sql.table(`${o.schema}.deadline_events`);
  const result: ScanResult = { due: 0, published: 0, skipped: 0 };
  const rows = await sql<{ id: string; state: CaseState }>`
    select id, state from ${sql.table(`${o.schema}.cases`)}
    where te_melden_deadline < ${today}::date order by te_melden_deadline, id limit ${o.batchSize ?? 500}`.execute(
    o.db,
  );
  for (const row of rows.rows) {
    const state = row.state;
    if (!state.domein) continue;
    for (const { klok, deadline } of verstrekenKlokken(state, today)) {
      result.due += 1;
      const event = termijnVerstrekenEvent(state.id, klok, deadline, o.hubOin, now);
      const claimed = await sql<{ event_id: string }>`
        insert into ${claims} as d (event_id, case_id, termijn, deadline, status, geclaimd_door, geclaimd_op)
        values (${event.id}, ${state.id}, ${klok.soort}, ${deadline}, 'geclaimd', ${o.instanceId}, now())
        on conflict (event_id) do update set geclaimd_door = excluded.geclaimd_door, geclaimd_op = now()
          where d.status = 'geclaimd'
            and d.geclaimd_op < now() - make_interval(secs => ${o.leaseMs / 1000})
        returning event_id`.execute(o.db);
      if (claimed.rows.length === 0) {
        result.skipped += 1;
        continue;
      }
      const valid = validateEvent(event);
      if (!valid.ok) {
        // A bug, not input: log the rule names only and leave the claim to expire.
        o.logger.error(
          { caseId: state.id, termijn: klok.soort, violations: valid.violations.map((v) => v.rule) },
          'invalid deadline event',
        );
        continue;
      }
      const record = toKafkaRecord(valid.event);
      await o.publisher.publish(
        [
          {
            topic: `${o.topicPrefix}${state.domein}`,
            key: record.key,
            value: record.value,
            headers: { ...record.headers },
          },
        ],
        { timeoutMs: 10_000 },
      );
      await sql`update ${claims} set status = 'verzonden', verzonden_op = now()
        where event_id = ${event.id} and geclaimd_door = ${o.instanceId}`.execute(o.db);
      result.published += 1;
      o.logger.info(
        { caseId: state.id, termijn: klok.soort, deadline, eventId: event.id },
        'termijn-verstreken published',
      );
    }
  }
  return result;
}

/** Runs {@link scanDeadlines} every `intervalMs` (one scan at a time); returns a stopper. */
export function startDeadlineScanner(o: ScannerOptions & { intervalMs: number }): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = scanDeadlines(o)
      .catch((error: unknown) => o.logger.warn({ err: error }, 'deadline scan failed; retrying next round'))
      .finally(() => {
        running = null;
      });
  };
  // Instances started together should not scan in lockstep.
  const first = setTimeout(tick, Math.floor(Math.random() * Math.min(o.intervalMs, 5_000)));
  const timer = setInterval(tick, o.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
