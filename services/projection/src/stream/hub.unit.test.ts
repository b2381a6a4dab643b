import { type CaseState, fold } from '@ketenhub/case-model';
import { newCaseId, testContext, wmoLifecycle } from '@ketenhub/case-model/testing';
import { createLogger } from '@ketenhub/service';
import { describe, expect, test } from 'vitest';
import { createStreamHub } from './hub';

const logger = createLogger({ level: 'silent', service: 'hub-test' });

/** States of one case after 1, 2, ... events of its lifecycle. */
function statesOf(caseId: string): CaseState[] {
  const events = wmoLifecycle(caseId);
  return events.map((_, n) => fold(caseId, events.slice(0, n + 1), testContext));
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('stream hub', () => {
  test('a slow subscriber gets later changes together, newest state per case, in one delivery', async () => {
    const a = newCaseId();
    const b = newCaseId();
    const sa = statesOf(a);
    const sb = statesOf(b);
    let current = new Map<string, CaseState>();
    const hub = createStreamHub({
      load: async (ids) => new Map(ids.map((id) => [id, current.get(id) as CaseState])),
      logger,
    });

    const rounds: CaseState[][] = [];
    let release: () => void = () => undefined;
    hub.subscribe({
      caseId: null,
      deliver: async (states) => {
        rounds.push([...states]);
        // The first delivery hangs like a slow processing-log commit.
        if (rounds.length === 1) await new Promise<void>((r) => (release = r));
      },
    });

    current = new Map([[a, sa[0] as CaseState]]);
    hub.changed([a]);
    await tick();
    expect(rounds).toHaveLength(1);
    for (let n = 1; n < 5; n++) {
      current = new Map([
        [a, sa[n] as CaseState],
        [b, sb[n] as CaseState],
      ]);
      hub.changed([a, b]);
      await tick();
    }
    expect(rounds).toHaveLength(1);
    release();
    await tick();
    await tick();
    expect(rounds).toHaveLength(2);
    expect(rounds[1]?.map((s) => [s.id, s.aantalEvents])).toEqual([
      [a, 5],
      [b, 5],
    ]);
  });

  test('an initial state goes out first, changes follow in order, an unsubscribed stream hears nothing', async () => {
    const a = newCaseId();
    const sa = statesOf(a);
    const hub = createStreamHub({ load: async () => new Map([[a, sa[3] as CaseState]]), logger });
    const got: number[] = [];
    let release: () => void = () => undefined;
    const sub = {
      caseId: a,
      deliver: async (states: readonly CaseState[]) => {
        got.push(...states.map((s) => s.aantalEvents));
        if (got.length === 1) await new Promise<void>((r) => (release = r));
      },
    };
    const unsubscribe = hub.subscribe(sub, sa[1]);
    await tick();
    expect(got).toEqual([2]);
    hub.changed([a]);
    await tick();
    release();
    await tick();
    await tick();
    expect(got).toEqual([2, 4]);
    expect(hub.size()).toBe(1);

    const late = createStreamHub({ load: async () => new Map([[a, sa[3] as CaseState]]), logger });
    const seen: number[] = [];
    let hold: () => void = () => undefined;
    const first = new Promise<void>((r) => (hold = r));
    const unsubscribeLate = late.subscribe(
      {
        caseId: a,
        deliver: async (states) => {
          seen.push(...states.map((s) => s.aantalEvents));
          await first;
        },
      },
      sa[0],
    );
    late.changed([a]);
    await tick();
    expect(seen).toEqual([1]);
    hold();
    await tick();
    await tick();
    expect(seen).toEqual([1, 4]);
    unsubscribeLate();
    unsubscribe();
    hub.changed([a]);
    await tick();
    expect(got).toEqual([2, 4]);
    expect(hub.size()).toBe(0);
  });
});
