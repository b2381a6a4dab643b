import type { Logger } from '@ketenhub/service';
import type { CaseState } from '../cases/state';

/**
 * Fan-out of committed case changes to SSE subscribers. Notifications are handled one at a time
 * (ids arriving meanwhile are coalesced), each changed case is loaded once for all subscribers,
 * and each subscriber decides with the access rules what it may see (see cases/routes.ts).
 */
export interface StreamSubscriber {
  /** One case, or null for every case the subscriber takes part in. */
  caseId: string | null;
  deliver(state: CaseState): Promise<void>;
}

export interface StreamHub {
  subscribe(sub: StreamSubscriber): () => void;
  /** Case ids changed (from NOTIFY). */
  changed(ids: readonly string[]): void;
  size(): number;
}

export function createStreamHub(options: {
  load(ids: readonly string[]): Promise<Map<string, CaseState>>;
  logger: Logger;
}): StreamHub {
  const all = new Set<StreamSubscriber>();
  const perCase = new Map<string, Set<StreamSubscriber>>();
  let queued = new Set<string>();
  let running = false;
  // Per subscriber, deliveries stay in order; the hub does not wait for them (each waits for its
  // processing-log commit) before loading the next round of changes.
  const chains = new WeakMap<StreamSubscriber, Promise<void>>();
  const enqueue = (sub: StreamSubscriber, state: CaseState) => {
    const next = (chains.get(sub) ?? Promise.resolve())
      .then(() => sub.deliver(state))
      .catch((error: unknown) => options.logger.warn({ err: error }, 'stream delivery failed'));
    chains.set(sub, next);
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
    subscribe(sub) {
      if (sub.caseId === null) all.add(sub);
      else {
        const set = perCase.get(sub.caseId) ?? new Set();
        set.add(sub);
        perCase.set(sub.caseId, set);
      }
      return () => {
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
