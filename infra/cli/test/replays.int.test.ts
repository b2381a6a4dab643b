import { randomUUID } from 'node:crypto';
import { type EventType, type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createPublisher, type KafkaClient } from '@ketenhub/kafka';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { type Json, type Receiver, sleep, startReceiver, TestHub, until } from './support';

const zorg = exampleOrganisations.zorgaanbieder;

const ev = (type: EventType, caseId: string) =>
  makeEvent(type, undefined, { subject: caseId, id: randomUUID() }) as KetenEvent;

async function publish(kafka: KafkaClient, topic: string, events: readonly KetenEvent[]) {
  const publisher = await createPublisher(kafka);
  try {
    await publisher.publish(
      events.map((e) => {
        const r = toKafkaRecord(e);
        return { topic, key: r.key, value: r.value, headers: { ...r.headers } };
      }),
    );
  } finally {
    await publisher.close();
  }
}

interface Setup {
  hub: TestHub;
  subscribe(receiver: Receiver): Promise<string>;
  systemId: string;
}

/** The registry and the dispatcher as processes; a care provider's system that subscribes receivers. */
const test = base.extend<{ setup: Setup }>({
  setup: [
    async ({ testDb, kafka, prefix, topic }, use) => {
      for (const name of [
        'wmo',
        'omgevingswet',
        'ketenhub.registry.systems',
        'ketenhub.registry.subscriptions',
      ]) {
        topic(name);
      }
      const hub = await TestHub.create(testDb.url, kafka.brokers, `${prefix}.`);
      try {
        await hub.start('registry');
        await hub.start('dispatcher');
        const system = await hub.call('registry', 'POST', '/systems', {
          oin: zorg.oin,
          name: `${zorg.systeem}-${prefix}`,
          roles: ['zorgaanbieder'],
          domains: ['wmo'],
          publishes: [],
          consumes: ['nl.wmo.toewijzing-verzonden'],
        });
        expect(system.status, JSON.stringify(system.body)).toBe(201);
        const subscribe = async (receiver: Receiver) => {
          const sub = await hub.call('registry', 'POST', `/systems/${system.body.id}/subscriptions`, {
            url: receiver.url,
          });
          expect(sub.status, JSON.stringify(sub.body)).toBe(201);
          await until(
            async () =>
              (await hub.call('dispatcher', 'GET', `/subscriptions/${sub.body.id}/status`)).status === 200,
            'the dispatcher knows the subscription',
          );
          return sub.body.id as string;
        };
        await use({ hub, subscribe, systemId: system.body.id });
      } finally {
        await hub.stopAll();
      }
    },
    { scope: 'test' },
  ],
});

const counts = async (db: Kysely<unknown>) => {
  const r = await sql<{ deliveries: number; replays: number }>`
    select (select count(*)::int from dispatcher.deliveries) as deliveries,
      (select count(*)::int from dispatcher.replays) as replays`.execute(db);
  return r.rows[0];
};

describe('ketenhub replay and backfill, against the dispatcher', () => {
  test('a receiver that lost a window gets exactly that window again, in order, with the same webhook-ids: a dry run, then --execute --wait', async ({
    setup,
    kafka,
    prefix,
    testDb,
  }) => {
    const { hub } = setup;
    const receiver = await startReceiver();
    try {
      const subscription = await setup.subscribe(receiver);
      const caseId = randomUUID();
      const before = ev('nl.wmo.toewijzing-verzonden', caseId);
      await publish(kafka.client, `${prefix}.wmo`, [
        ev('nl.ketens.ketenzaak-geopend', caseId),
        ev('nl.ketens.deelnemer-aangesloten', caseId),
        before,
      ]);
      await until(async () => receiver.accepted.includes(before.id), 'the first delivery');
      await sleep(1_100);
      const wentDown = new Date().toISOString();
      await sleep(50);
      const lost = [ev('nl.wmo.toewijzing-verzonden', caseId), ev('nl.wmo.toewijzing-verzonden', caseId)];
      await publish(kafka.client, `${prefix}.wmo`, lost);
      await until(async () => lost.every((e) => receiver.accepted.includes(e.id)), 'the window delivered');
      const firstIds = lost.map((e) => receiver.webhookIds[receiver.accepted.indexOf(e.id)]);
      // The receiver restores an old backup: what it had since `wentDown` is gone.
      receiver.accepted.length = 0;
      receiver.webhookIds.length = 0;

      const untouched = await counts(testDb.db);
      const dry = await hub.cli(['replay', 'subscription', subscription, '--from', wentDown, '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json()).toMatchObject({ dryRun: true, events: 2, perCase: [{ caseId, events: 2 }] });
      expect(await counts(testDb.db), 'a dry run queues nothing and starts nothing').toEqual(untouched);
      await sleep(500);
      expect(receiver.accepted).toEqual([]);

      const run = await hub.cli([
        'replay',
        'subscription',
        subscription,
        '--from',
        wentDown,
        '--execute',
        '--wait',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const replay = run.json();
      expect(replay).toMatchObject({ status: 'done', progress: { queued: 2 } });
      await until(async () => receiver.accepted.length >= 2, 'the replayed deliveries');
      await sleep(500);
      expect(receiver.accepted, 'exactly the window, in order').toEqual(lost.map((e) => e.id));
      expect(receiver.webhookIds, 'the same webhook-ids as the first time').toEqual(firstIds);

      const list = await hub.cli(['replay', 'list', subscription, '--json']);
      expect(list.json().replays.map((r: Json) => [r.id, r.status])).toEqual([[replay.id, 'done']]);
      const show = await hub.cli(['replay', 'show', subscription, replay.id]);
      expect(show.stdout).toContain(`${replay.id}: done`);
      // A replay that is done has nothing to cancel: the dry run says so, --execute is refused.
      const cancelDry = await hub.cli(['replay', 'cancel', subscription, replay.id]);
      expect(cancelDry.code, cancelDry.stderr).toBe(0);
      expect(cancelDry.stdout).toContain('nothing to cancel');
      const cancel = await hub.cli(['replay', 'cancel', subscription, replay.id, '--execute']);
      expect(cancel.code).toBe(1);
      expect(cancel.stderr).toContain('409 Conflict');
    } finally {
      await receiver.close();
    }
  });

  test('backfill: a new subscription gets the history of its cases; the dry run counts what --execute --wait delivers', async ({
    setup,
    kafka,
    prefix,
    testDb,
  }) => {
    const { hub } = setup;
    const first = await startReceiver();
    const late = await startReceiver();
    try {
      await setup.subscribe(first);
      const caseId = randomUUID();
      const history = [ev('nl.wmo.toewijzing-verzonden', caseId), ev('nl.wmo.toewijzing-verzonden', caseId)];
      await publish(kafka.client, `${prefix}.wmo`, [
        ev('nl.ketens.ketenzaak-geopend', caseId),
        ev('nl.ketens.deelnemer-aangesloten', caseId),
        ...history,
      ]);
      await until(async () => first.accepted.length === 2, 'the first subscription is served');
      // A second subscription made afterwards receives nothing of the past by itself.
      const subscription = await setup.subscribe(late);
      await sleep(1_000);
      expect(late.accepted).toEqual([]);

      const untouched = await counts(testDb.db);
      const dry = await hub.cli(['backfill', subscription, '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const plan = dry.json();
      expect(plan).toMatchObject({ dryRun: true, perCase: [{ caseId }] });
      expect(plan.events).toBeGreaterThanOrEqual(history.length);
      expect(await counts(testDb.db)).toEqual(untouched);

      const run = await hub.cli(['backfill', subscription, '--execute', '--wait', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ status: 'done', progress: { queued: plan.events } });
      await until(async () => late.accepted.length >= plan.events, 'the backfill delivered');
      expect(late.accepted.filter((id) => history.some((e) => e.id === id))).toEqual(
        history.map((e) => e.id),
      );
    } finally {
      await first.close();
      await late.close();
    }
  });
});
