import {
  type AccessEvent,
  type AccessState,
  applyAccess,
  emptyAccess,
  gezienSleutel,
  isAccessType,
} from '@ketenhub/access';
import type { KnownSystem, SystemDirectory } from '@ketenhub/directory';
import type { CaseDomain } from '@ketenhub/events';
import { AppError, isDatabaseUnavailable } from '@ketenhub/service';
import type { CaseBook } from '../cases/case-book';
import { type Acceptor, outgoingRecord, type Submission } from './accept/acceptor';
import type { Checked, RefusedEvent, ValidEvent } from './check/checks';
import { violation } from './outcome';
import { type RouteContext, routeEvent, ruleEventOf } from './route/route';

/** The outcome for one event of a request (or one ingress record). */
export type EventOutcome = { ok: true; id: string; source: string; duplicate: boolean } | RefusedEvent;

export interface IngestOptions {
  caseBook: CaseBook;
  acceptor: Acceptor;
  /** Registered systems: who may be added to a case (`unknown-system`, `registered-role`). */
  directory: SystemDirectory;
  /** OIN of this hub (KETENHUB_HUB_OIN): its own events act in the role `ketenhub`. */
  hubOin: string;
  /** Topic of a case domain, e.g. `acc.wmo`. */
  domainTopic: (domain: CaseDomain) => string;
  retryAfterS: number;
}

/** An event whose answer needs a look at the database first: a copy of one already in the case. */
const UNSURE = Symbol('unsure');
type Decision = ReturnType<typeof routeEvent> | typeof UNSURE;

interface Pending {
  index: number;
  valid: ValidEvent;
  event: AccessEvent;
}

/**
 * The one ingest path, shared by HTTP and the Kafka-native ingress: takes every event's outcome of
 * the pure checks ({@link checkEvents}, or a check thread), decides the case checks in the issue's
 * order, then hands the valid ones to the acceptor in one go (one flush for the request).
 */
export function createIngest(options: IngestOptions) {
  const { caseBook, acceptor, directory } = options;
  const ctx: RouteContext = {
    hubOin: options.hubOin,
    systemNamed: (oin, name) => directory.byName(oin, name),
  };

  /**
   * Every event of the request against its case, in request order: an event accepted earlier in
   * the request counts for the ones after it (open, add and the first domain events in one batch),
   * as it will in the log, where they land in this order. Each case's state is copied before the
   * first access event of the request changes it; the cached one is never touched.
   * Without `received`, an event that may be a re-send is left UNSURE instead of asking the table.
   */
  async function decide(
    system: KnownSystem,
    pending: readonly Pending[],
    states: ReadonlyMap<string, AccessState>,
    received?: (key: string) => Promise<boolean>,
  ): Promise<Decision[]> {
    const overlay = new Map<string, AccessState>();
    const decisions: Decision[] = [];
    for (const { valid: v, event } of pending) {
      const state = overlay.get(v.subject) ?? states.get(v.subject);
      const access = isAccessType(v.type);
      // A copy of an access event the case has folded in already: a re-send, answered as the first
      // time (the acceptor says 202 or 409) rather than judged again (a re-sent removal would find
      // the participant gone). Unless this gateway never received it: then it was written past the
      // gateway, and is judged like any new event.
      if (access && state?.domein && state.gezien.includes(gezienSleutel(v.source, v.id))) {
        if (!received) {
          decisions.push(UNSURE);
          continue;
        }
        if (await received(v.key)) {
          decisions.push({ ok: true, domain: state.domein });
          continue;
        }
      }
      const decision = routeEvent(system, event, state, ctx);
      decisions.push(decision);
      if (access && decision.ok) {
        let next = overlay.get(v.subject);
        if (!next) {
          next = state ? structuredClone(state) : emptyAccess();
          overlay.set(v.subject, next);
        }
        applyAccess(next, event, ctx);
      }
    }
    return decisions;
  }

  async function ingestChecked(
    system: KnownSystem,
    checked: readonly Checked[],
    traceparent?: string,
  ): Promise<EventOutcome[]> {
    const outcomes: (EventOutcome | undefined)[] = new Array(checked.length);
    const pending: Pending[] = [];
    for (const [index, c] of checked.entries()) {
      if (c.ok) pending.push({ index, valid: c, event: ruleEventOf(c) });
      else outcomes[index] = c;
    }

    // One lookup for the request, from the cache where it can. Every case with an event that would
    // be refused (or may be a re-send) is then read again from the database, and the request decided
    // once more: another instance may have just recorded an opening, a grant or a removal.
    let states = await caseBook.lookup(pending.map((p) => p.valid.subject));
    let decisions = await decide(system, pending, states);
    const doubtful = new Set<string>();
    let unknownSystem = false;
    for (const [i, d] of decisions.entries()) {
      if (d === UNSURE || !d.ok) doubtful.add(pending[i]!.valid.subject);
      if (d !== UNSURE && !d.ok && d.refusal.violations?.[0]?.rule === 'unknown-system') unknownSystem = true;
    }
    if (doubtful.size > 0) {
      // A system registered just now may not have reached this instance's directory yet.
      if (unknownSystem) await directory.catchUpNow();
      const fresh = await caseBook.lookup(doubtful, true);
      states = new Map([...states, ...fresh]);
      for (const id of doubtful) if (!fresh.has(id)) states.delete(id);
      decisions = await decide(system, pending, states, (key) => acceptor.wasReceived(key));
    }

    const submissions: { index: number; submission: Submission }[] = [];
    for (const [i, { index, valid: v, event }] of pending.entries()) {
      const decision = decisions[i]!;
      if (decision === UNSURE) throw new Error('ingest: a re-send left undecided');
      if (!decision.ok) {
        outcomes[index] = { ok: false, id: v.id, refusal: decision.refusal };
        continue;
      }
      submissions.push({
        index,
        submission: {
          source: v.source,
          id: v.id,
          key: v.key,
          hash: v.hash,
          record: outgoingRecord(options.domainTopic(decision.domain), v, traceparent),
          ...(isAccessType(v.type) ? { access: { caseId: v.subject, key: v.key, event } } : {}),
        },
      });
    }

    const results = await acceptor.submit(submissions.map((s) => s.submission));
    for (const [i, { index, submission }] of submissions.entries()) {
      const result = results[i];
      if (result?.status === 'accepted') {
        outcomes[index] = {
          ok: true,
          id: submission.id,
          source: submission.source,
          duplicate: result.duplicate,
        };
      } else if (result?.status === 'conflict') {
        outcomes[index] = {
          ok: false,
          id: submission.id,
          refusal: {
            code: 'conflict',
            detail: 'an event with this source and id was received before with other content',
            violations: [violation('id', 'unique-id', 'already used by this source for another event')],
          },
        };
      } else {
        outcomes[index] = {
          ok: false,
          id: submission.id,
          refusal: {
            code: 'unavailable',
            detail: 'Kafka did not confirm the event in time; retry with the same id',
            retryAfterS: options.retryAfterS,
          },
        };
      }
    }
    return outcomes as EventOutcome[];
  }

  /**
   * The whole request refused with 503 + Retry-After when PostgreSQL cannot be reached: the case
   * book and the re-send lookups run before the acceptor, so nothing of the request was accepted
   * (the acceptor itself answers `unavailable` per event and never throws). Thrown rather than
   * returned: it is broken infrastructure, not a refusal of these events (STYLE.md #9), and the
   * ingress must redo its batch on it rather than write the events to its rejects topic.
   */
  return async function ingest(
    system: KnownSystem,
    checked: readonly Checked[],
    traceparent?: string,
  ): Promise<EventOutcome[]> {
    try {
      return await ingestChecked(system, checked, traceparent);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      throw new AppError(
        'unavailable',
        'the gateway cannot reach its database; nothing was accepted, retry with the same id',
        { retryAfterS: options.retryAfterS },
      );
    }
  };
}
export type Ingest = ReturnType<typeof createIngest>;
