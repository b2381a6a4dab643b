import { type CaseState, fold } from '@ketenhub/case-model';
import { newCaseId, testContext, wmoLifecycle } from '@ketenhub/case-model/testing';
import { describe, expect, test } from 'vitest';
import { createCaseCache } from './case-cache';

/** A fake `cases` table whose reads can be held, to put a change in the middle of a load. */
function table() {
  const rows = new Map<string, CaseState>();
  const reads: string[][] = [];
  let gate: Promise<void> | undefined;
  return {
    rows,
    reads,
    hold() {
      let open: () => void = () => undefined;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    async load(ids: readonly string[]) {
      // The snapshot is taken when the query runs, before it is held.
      const snapshot = new Map(ids.flatMap((id) => (rows.has(id) ? [[id, rows.get(id) as CaseState]] : [])));
      reads.push([...ids]);
      await gate;
      return snapshot;
    },
  };
}

const at = (id: string, n: number) => fold(id, wmoLifecycle(id).slice(0, n), testContext);

describe('case cache', () => {
  test('serves repeat reads from memory until a change notification removes the case', async () => {
    const t = table();
    const id = newCaseId();
    t.rows.set(id, at(id, 2));
    const cache = createCaseCache({ load: (ids) => t.load(ids), live: () => true, maxEntries: 10 });
    expect((await cache.find(id))?.aantalEvents).toBe(2);
    expect((await cache.find(id))?.aantalEvents).toBe(2);
    expect(t.reads).toHaveLength(1);
    t.rows.set(id, at(id, 3));
    expect((await cache.find(id))?.aantalEvents).toBe(2);
    cache.invalidate([id]);
    expect((await cache.find(id))?.aantalEvents).toBe(3);
    expect(t.reads).toHaveLength(2);
    expect(cache.stats()).toEqual({ hits: 2, misses: 2 });
  });

  test('a load overtaken by a change is answered but not kept', async () => {
    const t = table();
    const id = newCaseId();
    t.rows.set(id, at(id, 2));
    const cache = createCaseCache({ load: (ids) => t.load(ids), live: () => true, maxEntries: 10 });
    const release = t.hold();
    const read = cache.find(id);
    // The change commits and its NOTIFY arrives while the (older) row is on its way back.
    t.rows.set(id, at(id, 3));
    cache.invalidate([id]);
    release();
    expect((await read)?.aantalEvents).toBe(2);
    expect((await cache.find(id))?.aantalEvents).toBe(3);
    expect(t.reads).toHaveLength(2);
  });

  test('without a live LISTEN connection every read goes to the database; clear forgets all', async () => {
    const t = table();
    const id = newCaseId();
    t.rows.set(id, at(id, 2));
    let live = false;
    const cache = createCaseCache({ load: (ids) => t.load(ids), live: () => live, maxEntries: 10 });
    await cache.find(id);
    await cache.find(id);
    expect(t.reads).toHaveLength(2);
    live = true;
    await cache.find(id);
    await cache.find(id);
    expect(t.reads).toHaveLength(3);
    // Connection lost: the cached state is not used, even before clear() is called on reconnect.
    live = false;
    await cache.find(id);
    expect(t.reads).toHaveLength(4);
    live = true;
    cache.clear();
    expect(cache.size()).toBe(0);
  });

  test('unknown cases are not remembered, and the least recently used case goes first', async () => {
    const t = table();
    const [a, b, c, unknown] = [newCaseId(), newCaseId(), newCaseId(), newCaseId()];
    for (const id of [a, b, c]) t.rows.set(id, at(id, 1));
    const cache = createCaseCache({ load: (ids) => t.load(ids), live: () => true, maxEntries: 2 });
    expect(await cache.find(unknown)).toBeNull();
    t.rows.set(unknown, at(unknown, 1));
    expect(await cache.find(unknown)).not.toBeNull();
    cache.clear();
    await cache.findMany([a, b]);
    await cache.find(a); // a is now the most recently used
    await cache.find(c); // evicts b
    t.reads.length = 0;
    await cache.findMany([a, c]);
    expect(t.reads).toHaveLength(0);
    await cache.find(b);
    expect(t.reads).toEqual([[b]]);
  });
});
