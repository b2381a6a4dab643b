import { type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import type { Publisher } from '@ketenhub/kafka';

/** Publishes events to a topic in the hub's wire format (structured CloudEvents, key = subject). */
export async function publishEvents(publisher: Publisher, topic: string, events: readonly KetenEvent[]) {
  const records = events.map((e) => {
    const r = toKafkaRecord(e);
    return { topic, key: r.key, value: r.value, headers: { ...r.headers } };
  });
  // Topics cap a record batch at 1 MiB (caseEventTopic): ~1,000 small events per request stays below it.
  for (let i = 0; i < records.length; i += 1_000) await publisher.publish(records.slice(i, i + 1_000));
}

/** Polls until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 60_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Deterministic shuffle (tests must be repeatable). */
export function shuffle<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Sleep. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
