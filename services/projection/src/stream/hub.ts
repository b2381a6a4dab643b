import type { CaseState } from '@ketenhub/case-model';
import type { Logger } from '@ketenhub/service';

/**
 * Fan-out of committed case changes to SSE subscribers. Notifications are handled one at a time
 * (ids arriving meanwhile are coalesced), each changed case is loaded once for all subscribers,
 * and each subscriber decides with the access rules what it may see (see cases/cases.routes.ts).
 *
 * A subscriber has at most one delivery in flight (it waits for its processing-log commit).
 * Changes arriving meanwhile wait in the subscriber's queue, newest state per case, and go out
 * together in its next delivery: one commit per round instead of one per change, so a stream keeps
 * up with any event rate instead of queueing one commit after another behind it.
 */
export interface StreamSubscriber {
  /** One case, or null for every case the subscriber takes part in. */
  caseId: string | null;
  /** Delivers states in order of arrival; resolves once they are sent (or skipped). */
  deliver(states: readonly CaseState[]): Promise<void>;
}

export interface StreamHub {
  /** `initial` (a state read before subscribing) goes out first unless a newer one overtakes it. */
  subscribe(sub: StreamSubscriber, initial?: CaseState): () => void;
  /** States read for a subscriber after it subscribed (a resumed stream); a newer one wins, as always. */
  offer(sub: StreamSubscriber, states: readonly CaseState[]): void;
  /** Case ids changed (from NOTIFY). */
  changed(ids: readonly string[]): void;
  size(): number;
}

interface Outbox {
  pending: Map<string, CaseState>;
  busy: boolean;
}

export function createStreamHub(options: {
  load(ids: readonly string[]): Promise<Map<string, CaseState>>;
  logger: Logger;
}): StreamHub {
  const all = new Set<StreamSubscriber>();
  const perCase = new Map<string, Set<StreamSubscriber>>();
  const outboxes = new Map<StreamSubscriber, Outbox>();
  let queued = new Set<string>();
  let running = false;

  const drain = async (sub: StreamSubscriber, box: Outbox) => {
    box.busy = true;
    try {
      while (box.pending.size > 0 && outboxes.has(sub)) {
        const states = [...box.pending.values()];
        box.pending = new Map();
        await sub.deliver(states).catch((error: unknown) => {
          options.logger.warn({ err: error }, 'stream delivery failed');
        });
      }
    } finally {
      box.busy = false;
    }
  };
  const enqueue = (sub: StreamSubscriber, state: CaseState) => {
    const box = outboxes.get(sub);
    if (!box) return;
    const queuedState = box.pending.get(state.id);
    // A state never replaces a newer one of the same case (a slow initial read, a late round).
    if (queuedState && queuedState.aantalEvents > state.aantalEvents) return;
    // Re-inserted so the map's order stays the order of the latest change.
    box.pending.delete(state.id);
    box.pending.set(state.id, state);
    if (!box.busy) void drain(sub, box);
  };

  const run = async () => {
    running = true;
    try {
      while (queued.size > 0) {
        const ids = [...queued].filter((id) => all.size > 0 || perCase.has(id));
        queued = new Set();
        if (ids.length === 0) continue;
        const states = await options.load(ids);
        for (const [id, state] of states) {
          for (const sub of all) enqueue(sub, state);
          for (const sub of perCase.get(id) ?? []) enqueue(sub, state);
        }
      }
    } catch (error) {
      options.logger.error({ err: error }, 'stream dispatch failed');
    } finally {
      running = false;
      if (queued.size > 0) void run();
    }
  };

  return {
    offer(sub, states) {
      for (const state of states) enqueue(sub, state);
    },
    subscribe(sub, initial) {
      outboxes.set(sub, { pending: new Map(), busy: false });
      if (sub.caseId === null) all.add(sub);
      else {
        const set = perCase.get(sub.caseId) ?? new Set();
        set.add(sub);
        perCase.set(sub.caseId, set);
      }
      if (initial) enqueue(sub, initial);
      return () => {
        outboxes.delete(sub);
        if (sub.caseId === null) all.delete(sub);
        else {
          const set = perCase.get(sub.caseId);
          set?.delete(sub);
          if (set?.size === 0) perCase.delete(sub.caseId);
        }
      };
    },
    changed(ids) {
      if (all.size === 0 && perCase.size === 0) return;
      for (const id of ids) queued.add(id);
      if (!running) void run();
    },
    size: () => all.size + [...perCase.values()].reduce((n, s) => n + s.size, 0),
  };
}
