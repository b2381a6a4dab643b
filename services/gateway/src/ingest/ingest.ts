import type { CaseDomain } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import type { CaseBook } from '../cases/case-book';
import type { CaseInfo } from '../cases/case-facts';
import type { KnownSystem } from '../systems/system-record';
import type { Acceptor, Submission } from './acceptor';
import { type Checked, isRefusal, outgoingRecord, routeEvent, type ValidEvent } from './checks';

/** The outcome for one event of a request (or one ingress record). */
export type EventOutcome =
  | { ok: true; id: string; source: string; duplicate: boolean }
  | { ok: false; id: string | undefined; error: AppError };

export interface IngestOptions {
  caseBook: CaseBook;
  acceptor: Acceptor;
  /** Topic of a case domain, e.g. `acc.wmo`. */
  domainTopic: (domain: CaseDomain) => string;
  retryAfterS: number;
}

/**
 * The one ingest path, shared by HTTP and the Kafka-native ingress: takes every event's outcome of
 * the pure checks ({@link checkEvents}, or a check thread), decides the case checks in the issue's
 * order, then hands the valid ones to the acceptor in one go (one flush for the request).
 */
export function createIngest(options: IngestOptions) {
  const { caseBook, acceptor } = options;

  return async function ingest(
    system: KnownSystem,
    checked: readonly Checked[],
    traceparent?: string,
  ): Promise<EventOutcome[]> {
    const outcomes: (EventOutcome | undefined)[] = new Array(checked.length);
    const valid: { index: number; valid: ValidEvent }[] = [];
    for (const [index, c] of checked.entries()) {
      if (isRefusal(c)) outcomes[index] = { ok: false, id: c.id, error: c.error };
      else valid.push({ index, valid: c });
    }

    // Case checks need the cases' state; one lookup for the request, then once more, bypassing the
    // cache, for the ids whose answer would be a refusal (another instance may have just recorded them).
    const subjects = valid.map((v) => v.valid.subject);
    let cases = await caseBook.lookup(subjects);
    const route = (overlay: Map<string, CaseInfo>) =>
      valid.map(({ valid: v }) => routeEvent(system, v, overlay.get(v.subject) ?? cases.get(v.subject)));
    const firstTry = route(new Map());
    const doubtful = valid.filter((_, i) => firstTry[i] instanceof AppError).map((v) => v.valid.subject);
    if (doubtful.length > 0) {
      const fresh = await caseBook.lookup(doubtful, true);
      cases = new Map([...cases, ...fresh]);
    }

    // Sequential within the request: an opening event earlier in a batch makes its case known to
    // the events after it (open, join and the first domain event in one batch).
    const overlay = new Map<string, CaseInfo>();
    const submissions: { index: number; submission: Submission }[] = [];
    for (const { index, valid: v } of valid) {
      const subject = v.subject;
      const info = overlay.get(subject) ?? cases.get(subject);
      let routing = routeEvent(system, v, info);
      if (routing instanceof AppError && routing.code === 'conflict' && info && !overlay.has(subject)) {
        // A re-sent opening event finds its own case open: the acceptor answers it like the first
        // time (or 409 for other content). Only an opening event never received before is refused.
        if (await acceptor.wasReceived(v.key)) {
          routing = { domain: info.domain, fact: v.fact };
        }
      }
      if (routing instanceof AppError) {
        outcomes[index] = { ok: false, id: v.id, error: routing };
        continue;
      }
      if (routing.fact?.kind === 'opened') {
        overlay.set(subject, { domain: routing.fact.domain, participants: new Set([routing.fact.oin]) });
      } else if (routing.fact?.kind === 'joined' && info) {
        overlay.set(subject, {
          domain: info.domain,
          participants: new Set([...info.participants, routing.fact.oin]),
        });
      }
      submissions.push({
        index,
        submission: {
          source: v.source,
          id: v.id,
          key: v.key,
          hash: v.hash,
          record: outgoingRecord(options.domainTopic(routing.domain), v, traceparent),
          fact: routing.fact,
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
          error: new AppError(
            'conflict',
            'an event with this source and id was received before with other content',
            {
              violations: [
                {
                  field: 'id',
                  rule: 'unique-id',
                  message: 'id: already used by this source for another event',
                },
              ],
            },
          ),
        };
      } else {
        outcomes[index] = {
          ok: false,
          id: submission.id,
          error: new AppError(
            'unavailable',
            'Kafka did not confirm the event in time; retry with the same id',
            {
              retryAfterS: options.retryAfterS,
            },
          ),
        };
      }
    }
    return outcomes as EventOutcome[];
  };
}
export type Ingest = ReturnType<typeof createIngest>;
