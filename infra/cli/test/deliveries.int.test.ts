import { randomUUID } from 'node:crypto';
import { type EventType, type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createPublisher } from '@ketenhub/kafka';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { type Json, type Receiver, startReceiver, TestHub, until } from './support';

const zorg = exampleOrganisations.zorgaanbieder;

const ev = (type: EventType, caseId: string) =>
  makeEvent(type, undefined, { subject: caseId, id: randomUUID() }) as KetenEvent;

interface Setup {
  hub: TestHub;
  receiver: Receiver;
  subscription: string;
  caseId: string;
  refused: KetenEvent;
  next: KetenEvent;
}

/**
 * The registry and the dispatcher as processes over this file's database and a prefix of its own;
 * a care provider subscribed to a receiver that refuses one event with 422 (parked) and takes the next.
 */
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
      const receiver = await startReceiver();
      try {
        await hub.start('registry');
        await hub.start('dispatcher');
        const system = await hub.call('registry', 'POST', '/systems', {
          oin: zorg.oin,
          // The registry's tables are the file's: a name of this test's own.
          name: `${zorg.systeem}-${prefix}`,
          roles: ['zorgaanbieder'],
          domains: ['wmo'],
          publishes: [],
          consumes: ['nl.wmo.toewijzing-verzonden'],
        });
        expect(system.status, JSON.stringify(system.body)).toBe(201);
        const sub = await hub.call('registry', 'POST', `/systems/${system.body.id}/subscriptions`, {
          url: receiver.url,
        });
        expect(sub.status, JSON.stringify(sub.body)).toBe(201);
        // The dispatcher knows the subscription once the registry's record reached it.
        await until(
          async () =>
            (await hub.call('dispatcher', 'GET', `/subscriptions/${sub.body.id}/status`)).status === 200,
          'the dispatcher knows the subscription',
        );
        const caseId = randomUUID();
        const refused = ev('nl.wmo.toewijzing-verzonden', caseId);
        const next = ev('nl.wmo.toewijzing-verzonden', caseId);
        receiver.answer = (id) => (id === refused.id ? 422 : 204);
        // Straight to Kafka, as the gateway would append them: the gemeente opens the case and adds the provider.
        const publisher = await createPublisher(kafka.client);
        await publisher.publish(
          [
            ev('nl.ketens.ketenzaak-geopend', caseId),
            ev('nl.ketens.deelnemer-aangesloten', caseId),
            refused,
            next,
          ].map((e) => {
            const r = toKafkaRecord(e);
            return { topic: `${prefix}.wmo`, key: r.key, value: r.value, headers: { ...r.headers } };
          }),
        );
        await publisher.close();
        await until(async () => {
          const s = (await hub.call('dispatcher', 'GET', `/subscriptions/${sub.body.id}/status`)).body;
          return s.failed === 1 && s.delivered === 1;
        }, 'one parked and one delivered').catch((error: unknown) => {
          throw new Error(`${String(error)}\n${hub.outputs()}`);
        });
        await use({ hub, receiver, subscription: sub.body.id, caseId, refused, next });
      } finally {
        await hub.stopAll();
        await receiver.close();
      }
    },
    { scope: 'test' },
  ],
});

async function outbox(db: Kysely<unknown>, subscription: string) {
  const r = await sql<{ event_id: string; status: string }>`
    select event_id, status from dispatcher.deliveries where subscription_id = ${subscription} order by id`.execute(
    db,
  );
  return r.rows;
}

describe('ketenhub deliveries and status with the services running', () => {
  test('list and show parked deliveries; requeue: the dry run changes nothing, --execute re-queues what it said; status reports the subscription', async ({
    setup,
    testDb,
  }) => {
    const { hub, receiver, subscription, refused, next } = setup;

    const list = await hub.cli(['deliveries', 'list', subscription, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json().deliveries).toEqual([
      expect.objectContaining({ eventId: refused.id, status: 'failed', lastStatus: 422 }),
    ]);
    const human = await hub.cli(['deliveries', 'list', subscription]);
    expect(human.stdout).toContain(refused.id);
    expect(human.stdout).toContain('HTTP 422');

    const show = await hub.cli(['deliveries', 'show', subscription, '--json']);
    expect(show.json()).toMatchObject({ id: subscription, failed: 1, delivered: 1, pending: 0 });
    const parked = list.json().deliveries[0] as Json;
    const one = await hub.cli(['deliveries', 'show', subscription, parked.id]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`delivery ${parked.id}: failed`);
    expect(one.stdout).toContain('HTTP 422');

    const dry = await hub.cli(['deliveries', 'requeue', subscription, '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, requeue: 1 });
    expect(dry.json().deliveries.map((d: Json) => d.eventId)).toEqual([refused.id]);
    expect(await outbox(testDb.db, subscription), 'a dry run changes nothing').toEqual([
      { event_id: refused.id, status: 'failed' },
      { event_id: next.id, status: 'delivered' },
    ]);

    receiver.answer = () => 204;
    const done = await hub.cli(['deliveries', 'requeue', subscription, '--execute', '--json']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json()).toEqual({ dryRun: false, subscription, requeued: 1 });
    await until(async () => receiver.accepted.includes(refused.id), 'the re-queued delivery received');
    await until(
      async () => (await outbox(testDb.db, subscription)).every((r) => r.status === 'delivered'),
      'both delivered',
    );

    const status = await hub.cli(['status', '--json']);
    // The gateway and the projection do not run here: not everything is ready.
    expect(status.code).toBe(1);
    const report = status.json();
    expect(Object.fromEntries(report.services.map((s: Json) => [s.service, s.status]))).toEqual({
      registry: 'ready',
      gateway: 'unreachable',
      projection: 'unreachable',
      dispatcher: 'ready',
    });
    expect(report.subscriptions.items).toEqual([
      expect.objectContaining({
        id: subscription,
        systemName: expect.stringContaining(zorg.systeem),
        pending: 0,
        failed: 0,
        delivered: 2,
        lastSuccessAt: expect.any(String),
      }),
    ]);
    expect(report.consumers.find((c: Json) => c.consumer === 'dispatcher')).toMatchObject({ records: 0 });

    const resume = await hub.cli(['deliveries', 'resume', subscription]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stdout).toContain('Nothing holds this subscription back');
  });

  test('a failing call prints the problem title and the field and rule of each violation, exit 1; a bad id is bad usage, exit 2', async ({
    setup,
  }) => {
    const { hub, subscription } = setup;
    const invalid = await hub.cli(['deliveries', 'list', subscription, '--after', 'x1']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('400 Invalid request');
    expect(invalid.stderr).toMatch(/query\.after: \S+/);

    const unknown = await hub.cli(['deliveries', 'show', randomUUID(), '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.json().error).toMatchObject({
      kind: 'http',
      status: 404,
      problem: { title: 'Not found' },
    });

    const typo = await hub.cli(['deliveries', 'show', 'not-a-uuid']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('not a subscription id');

    const noToken = await hub.cli(['deliveries', 'show', subscription], { KETENHUB_ADMIN_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('KETENHUB_ADMIN_TOKEN is not set');
  });
});
