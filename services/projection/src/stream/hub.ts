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

  const run = async () => {
    running = true;
    try {
      while (queued.size > 0) {
        const ids = [...queued].filter((id) => all.size > 0 || perCase.has(id));
        queued = new Set();
        if (ids.length === 0) continue;
        const states = await options.load(ids);
        const deliveries: Promise<void>[] = [];
        for (const [id, state] of states) {
          for (const sub of all) deliveries.push(sub.deliver(state));
          for (const sub of perCase.get(id) ?? []) deliveries.push(sub.deliver(state));
        }
        const results = await Promise.allSettled(deliveries);
        for (const r of results) {
          if (r.status === 'rejected') options.logger.warn({ err: r.reason }, 'stream delivery failed');
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
