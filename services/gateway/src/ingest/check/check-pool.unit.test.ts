import { randomUUID } from 'node:crypto';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createLogger } from '@ketenhub/service';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Refused } from '../outcome';
import { ruleEventOf } from '../route/route';
import { CheckPool, checkBody, unpackReply } from './check-pool';
import { type Checked, checkEvents } from './checks';

const gemeente = exampleOrganisations.gemeente;
const system = {
  source: gemeente.source,
  publishes: new Set([
    'nl.ketens.ketenzaak-geopend',
    'nl.ketens.deelnemer-aangesloten',
    'nl.wmo.melding-ontvangen',
  ]),
};

/**
 * A batch with every kind of outcome: access events (whose data the rule reads later, from the
 * value), trace context or none, and each refusal of the checks.
 */
function mixedBatch(): unknown[] {
  const caseId = randomUUID();
  const melding = () =>
    makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id: randomUUID() });
  return [
    makeEvent('nl.ketens.ketenzaak-geopend', undefined, {
      subject: caseId,
      id: randomUUID(),
      as: 'gemeente',
    }),
    makeEvent('nl.ketens.deelnemer-aangesloten', undefined, {
      subject: caseId,
      id: randomUUID(),
      source: gemeente.source,
    }),
    melding(),
    { ...melding(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    { ...melding(), source: exampleOrganisations.zorgaanbieder.source }, // 403 source
    { ...melding(), type: 'nl.wmo.zorg-gestart' }, // 403 type
    { ...melding(), data: { nonsense: true } }, // 422 contract
    { ...melding(), id: 42 }, // 422, without a usable id
    { ...melding(), tracestate: `x=${'a'.repeat(70_000)}` }, // 413 event size
    'not an event',
    melding(),
  ];
}

/** Outcomes in a comparable form: values as text; a body refused as a whole fails the test. */
const comparable = (checked: Checked[] | Refused) => {
  if (!Array.isArray(checked)) throw new Error(`body refused: ${checked.refusal.detail}`);
  return checked.map((c) => (c.ok ? { ...c, value: c.value.toString('utf8') } : c));
};

describe('check threads: packing', () => {
  test('a body checked and packed for the request thread gives what the inline checks give', () => {
    for (let round = 0; round < 20; round++) {
      const events = mixedBatch();
      const body = Buffer.from(JSON.stringify(events));
      const { reply, transfer } = checkBody({
        seq: round,
        body,
        source: system.source,
        publishes: [...system.publishes],
        maxEvents: 1_000,
      });
      expect(transfer).toHaveLength(1);
      const unpacked = unpackReply(reply, system.source);
      if (!Array.isArray(unpacked)) throw new Error(unpacked.refusal.detail);
      const inline = checkEvents(system, events);
      expect(comparable(unpacked)).toEqual(comparable(inline));
      expect(unpacked.filter((c) => c.ok)).toHaveLength(5);
      // The rule reads an access event's data from its value: the thread hands back the whole event.
      const opening = unpacked[0];
      if (!opening?.ok) throw new Error('the opening was refused');
      expect(ruleEventOf(opening).data).toEqual((events[0] as { data: unknown }).data);
    }
  });

  test('a body that is not a batch is one 400, as inline', () => {
    for (const text of ['{"a":1}', '[]', 'nope', '[1,2,3]']) {
      const { reply } = checkBody({
        seq: 1,
        body: Buffer.from(text),
        source: system.source,
        publishes: [],
        maxEvents: 2,
      });
      expect(unpackReply(reply, system.source)).toMatchObject({
        ok: false,
        refusal: { code: 'invalid-request' },
      });
    }
  });
});

describe('check threads', () => {
  const logger = createLogger({ service: 'test', level: 'silent' });
  let pool: CheckPool;
  beforeAll(async () => {
    pool = await CheckPool.start({ threads: 2, logger });
  }, 60_000);
  afterAll(() => pool.close());

  test('checks in a thread what the request thread would', async () => {
    const events = mixedBatch();
    const before = pool.stats.threaded;
    const checked = await pool.check(system, Buffer.from(JSON.stringify(events)), 1_000);
    expect(pool.stats.threaded).toBe(before + 1);
    expect(comparable(checked)).toEqual(comparable(checkEvents(system, events)));
    expect(await pool.check(system, Buffer.from('[}'), 1_000)).toMatchObject({
      ok: false,
      refusal: { code: 'invalid-request' },
    });
  });

  test('a thread that dies mid-request fails nothing: the body is checked here, a new thread starts', async () => {
    const events = Array.from({ length: 400 }, () => mixedBatch()).flat();
    const body = Buffer.from(JSON.stringify(events));
    const expected = comparable(checkEvents(system, events));
    const inlineBefore = pool.stats.inline;
    const pending = [pool.check(system, body, 10_000), pool.check(system, body, 10_000)];
    // Kill both threads while they hold a request each.
    await Promise.all(pool.threads().map((t) => t.terminate()));
    for (const checked of await Promise.all(pending)) expect(comparable(checked)).toEqual(expected);
    expect(pool.stats.inline).toBeGreaterThan(inlineBefore);

    // Replacements start, and requests go to threads again.
    await expect.poll(() => pool.threads().length, { timeout: 30_000 }).toBe(2);
    const threadedBefore = pool.stats.threaded;
    expect(comparable(await pool.check(system, body, 10_000))).toEqual(expected);
    expect(pool.stats.threaded).toBe(threadedBefore + 1);
  }, 60_000);

  test('beyond the pending-bytes limit a body is checked in the request thread', async () => {
    const events = Array.from({ length: 50 }, () => mixedBatch()).flat();
    const body = Buffer.from(JSON.stringify(events));
    const small = await CheckPool.start({ threads: 1, logger, maxPendingBytes: body.length * 1.5 });
    try {
      const expected = comparable(checkEvents(system, events));
      const all = await Promise.all([1, 2, 3].map(() => small.check(system, body, 10_000)));
      for (const checked of all) expect(comparable(checked)).toEqual(expected);
      expect(small.stats).toEqual({ threaded: 1, inline: 2 });
    } finally {
      await small.close();
    }
  }, 60_000);
});
