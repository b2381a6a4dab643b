import { describe, expect, test } from 'vitest';
import type { RunningConsumer } from './consumer';
import { keepConsumerRunning } from './keep-running';

/** A consumer double: records its stops; `fail` reports a stop for good as runConsumer's onStop does. */
function fakes() {
  const made: { stopped: boolean; fail: (e: Error) => void }[] = [];
  let refuse = 0;
  const start = async (onStop: (e: Error) => void): Promise<RunningConsumer> => {
    if (refuse > 0) {
      refuse--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    }
    const entry = { stopped: false, fail: onStop };
    made.push(entry);
    return {
      isReady: () => !entry.stopped,
      stop: async () => {
        entry.stopped = true;
      },
    };
  };
  return { made, start, refuseNext: (n: number) => (refuse = n) };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keepConsumerRunning', () => {
  test('a consumer that stopped for good is started again, and the readiness follows', async () => {
    const f = fakes();
    const events: string[] = [];
    const kept = await keepConsumerRunning({
      start: f.start,
      onStopped: (e) => events.push(`stopped: ${e.message}`),
      onStarted: () => events.push('started'),
      firstDelayMs: 5,
    });
    expect(f.made).toHaveLength(1);
    f.made[0]?.fail(new Error('positions could not be loaded'));
    expect(kept.current()).toBeUndefined();
    await tick(30);
    expect(f.made).toHaveLength(2);
    expect(f.made[0]?.stopped).toBe(true);
    expect(kept.current()?.isReady()).toBe(true);
    expect(events).toEqual(['stopped: positions could not be loaded', 'started']);
    await kept.stop();
    expect(f.made[1]?.stopped).toBe(true);
  });

  test('starts that fail while PostgreSQL is still down are retried with a growing delay', async () => {
    const f = fakes();
    let clock = 0;
    const kept = await keepConsumerRunning({
      start: f.start,
      onStopped: () => undefined,
      onStarted: () => undefined,
      firstDelayMs: 2,
      maxDelayMs: 8,
      now: () => clock,
    });
    f.refuseNext(3);
    f.made[0]?.fail(new Error('boom'));
    await tick(80);
    expect(f.made).toHaveLength(2);
    expect(kept.current()?.isReady()).toBe(true);
    clock += 1;
    await kept.stop();
  });

  test('a stop reported twice, or after stop(), starts nothing more', async () => {
    const f = fakes();
    const kept = await keepConsumerRunning({
      start: f.start,
      onStopped: () => undefined,
      onStarted: () => undefined,
      firstDelayMs: 5,
    });
    f.made[0]?.fail(new Error('a'));
    f.made[0]?.fail(new Error('b'));
    await tick(30);
    expect(f.made).toHaveLength(2);
    await kept.stop();
    f.made[1]?.fail(new Error('c'));
    await tick(30);
    expect(f.made).toHaveLength(2);
  });

  test('the first start failing rejects: the gateway refuses to start, as before', async () => {
    const f = fakes();
    f.refuseNext(1);
    await expect(
      keepConsumerRunning({ start: f.start, onStopped: () => undefined, onStarted: () => undefined }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
