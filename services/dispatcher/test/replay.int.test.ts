import { randomUUID } from 'node:crypto';
import { givenCase } from '@ketenhub/access/testing';
import {
  type CaseDomain,
  type EventData,
  type EventType,
  type KetenEvent,
  type PublisherRole,
  sourceFor,
} from '@ketenhub/events';
import { makeEvent, exampleOrganisations as org } from '@ketenhub/events/testing';
import { describe, expect } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { webhookId } from '../src/deliveries/signature';
import { consumable, type Org } from './events';
import { type Hub, type Json, sleep, hubTest as test, until } from './harness';

/**
 * Replays and backfills (issue 13): what a receiver gets is exactly the window it asked for, in
 * order per case, judged by the hub's one access rule as of each event (replays) or as the late
 * joiner may read the history (backfills), compared with the rule's oracle.
 */

const zorg: Org = org.zorgaanbieder;
const laterZorg: Org = {
  oin: '00000099200000012000',
  systeem: 'ecd-later',
  source: sourceFor('00000099200000012000', 'ecd-later'),
};

const ev = <T extends EventType>(type: T, subject: string, by?: Org, data?: EventData<T>) =>
  makeEvent(type, data, { subject, id: randomUUID(), ...(by ? { source: by.source } : {}) }) as KetenEvent;

const opened = (caseId: string) => ev('nl.ketens.ketenzaak-geopend', caseId);
const added = (who: Org, caseId: string) =>
  ev('nl.ketens.deelnemer-aangesloten', caseId, org.gemeente, {
    oin: who.oin,
    rol: 'zorgaanbieder',
    systeem: who.systeem,
    zaakreferentie: `REF-${who.systeem}`,
    toegang: 'beperkt',
  });
const removed = (who: Org, caseId: string) =>
  ev('nl.ketens.deelnemer-verwijderd', caseId, org.gemeente, { oin: who.oin, rol: 'zorgaanbieder' });
const toewijzing = (caseId: string) => ev('nl.wmo.toewijzing-verzonden', caseId, org.gemeente);

/** Every WMO type a care provider may receive (the registry's consumes rule). */
const providerTypes = consumable(['zorgaanbieder'], 'wmo');

async function subscribeProvider(hub: Hub, who: Org, extra: Record<string, unknown> = {}) {
  const receiver = await hub.receiver();
  const sub = await hub.registry.subscriber(
    {
      oin: who.oin,
      name: who.systeem,
      roles: ['zorgaanbieder'] as PublisherRole[],
      consumes: providerTypes,
      domains: ['wmo'] as CaseDomain[],
    },
    receiver.url,
    undefined,
    extra,
  );
  return { ...sub, receiver };
}

/** What the oracle says the viewer is delivered of `log`, by event id, among `within`. */
function oracle(
  log: readonly KetenEvent[],
  viewer: { oin: string; roles: string[] },
  within: ReadonlySet<string>,
) {
  return givenCase(log)
    .delivered(viewer)
    .map((i) => log[i] as KetenEvent)
    .filter((e) => within.has(e.id) && providerTypes.includes(e.type as EventType))
    .map((e) => e.id);
}

/** Every table a job could touch, as text: a dry run must leave all of it as it was. */
async function snapshot(hub: Hub) {
  const q = async (table: string, order: string) =>
    JSON.stringify(
      (await sql.raw(`select * from dispatcher.${table} order by ${order}`).execute(hub.db)).rows,
    );
  return [
    await q('deliveries', 'id'),
    await q('replays', 'id'),
    await q('replay_partitions', 'replay_id, topic, partition'),
    await q('subscriptions', 'id'),
  ];
}

const firstArrivals = (received: { event: { id: string; subject: string } }[], caseId: string) => {
  const out: string[] = [];
  for (const r of received) if (r.event.subject === caseId && !out.includes(r.event.id)) out.push(r.event.id);
  return out;
};

describe('replay a window to one subscription', () => {
  test('a receiver down for a while gets exactly the replayed window, in order per case, nothing it may not see; the dry run changes nothing and executing does what it said', async ({
    hub,
  }) => {
    const provider = await subscribeProvider(hub, zorg);
    const receiver = provider.receiver;
    // Gives up fast: the outage outlasts the schedule, deliveries are parked, the subscription pauses.
    const dispatcher = await hub.dispatcher({ DISPATCHER_RETRY_SCHEDULE: '0,50ms,50ms' });
    const viewer = { oin: zorg.oin, roles: ['zorgaanbieder'] };

    const cases: string[] = Array.from({ length: 6 }, () => randomUUID());
    const [c0, c1, c2, c3, c4, outsiderCase] = cases as [string, string, string, string, string, string];
    const logs = new Map<string, KetenEvent[]>(cases.map((c) => [c, []]));
    const publish = async (events: KetenEvent[]) => {
      for (const e of events) logs.get(e.subject)?.push(e);
      await hub.publish(events);
    };

    // Before the window: the cases open, the provider takes part in five of them.
    await publish([
      ...cases.flatMap((c) => [opened(c), ...(c === outsiderCase ? [] : [added(zorg, c)])]),
      ...cases.map(toewijzing),
    ]);
    const before = new Set([...logs.values()].flat().map((e) => e.id));
    await until(() => receiver.accepted().length >= 10, 'the first toewijzingen and admissions', 30_000);

    // The outage.
    await receiver.close();
    await sleep(100);
    const from = new Date().toISOString();
    await sleep(50);
    const windowEvents = [
      toewijzing(c0),
      toewijzing(c1),
      ev('nl.wmo.melding-ontvangen', c0, org.gemeente), // the onderzoek's start: not the provider's
      toewijzing(c0),
      removed(zorg, c2),
      toewijzing(c2), // after its removal: not for it
      toewijzing(c3),
      toewijzing(outsiderCase), // never its case
      toewijzing(c4),
      toewijzing(c3),
      toewijzing(c1),
    ];
    await publish(windowEvents);
    await sleep(50);
    const to = new Date().toISOString();
    await sleep(100);
    const after = cases.slice(0, 2).map(toewijzing);
    await publish(after);
    const inWindow = new Set(windowEvents.map((e) => e.id));

    await until(
      async () => (await dispatcher.status(provider.id)).stoppedAt !== null,
      'paused by failures',
      30_000,
    );
    const status = await dispatcher.status(provider.id);
    expect(status.stoppedReason).toMatch(/^paused by failures: gave up after 3 attempts/);
    // The first attempts went out together, so one or a few were parked before the pause; an
    // attempt still in flight when the pause was stored is parked when its verdict is.
    let parked = status.failed as number;
    expect(parked).toBeGreaterThanOrEqual(1);
    // The alert counters move just before the verdicts are stored: wait until both agree.
    let metrics = '';
    await until(async () => {
      metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
      parked = (await dispatcher.status(provider.id)).failed as number;
      return (
        metrics.includes('ketenhub_webhook_subscription_stops_total{') &&
        new RegExp(
          `ketenhub_webhook_parked_total\\{subscription="${provider.id}",reason="gave-up"[^}]*\\} ${parked}\\b`,
        ).test(metrics)
      );
    }, 'the stop and every parked delivery counted');
    expect(metrics).toMatch(
      new RegExp(
        `ketenhub_webhook_parked_total\\{subscription="${provider.id}",reason="gave-up"[^}]*\\} ${parked}`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(
        `ketenhub_webhook_subscription_stops_total\\{subscription="${provider.id}",reason="paused-by-failures"[^}]*\\} 1`,
      ),
    );
    expect(metrics).toMatch(/ketenhub_webhook_subscriptions_stopped(\{[^}]*\})? 1/);

    // What the rule lets the provider have of the window, per case, in log order.
    const expected = new Map(cases.map((c) => [c, oracle(logs.get(c) ?? [], viewer, inWindow)]));
    const expectedTotal = [...expected.values()].flat().length;
    // Five toewijzingen of its cases and its own removal; not the melding, not after the removal, not the outsider case.
    expect(expectedTotal).toBe(8);
    expect(expected.get(outsiderCase)).toEqual([]);

    // Bad input: problem+json naming field and rule.
    const bad = await dispatcher.call('POST', `/subscriptions/${provider.id}/replays`, { to });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'body.from', rule: 'required' })]);
    const badType = await dispatcher.call('POST', `/subscriptions/${provider.id}/replays`, {
      from,
      types: ['nl.wmo.melding-ontvangen'],
    });
    expect(badType.body.errors).toEqual([
      expect.objectContaining({ field: 'types.0', rule: 'subscription-types' }),
    ]);
    expect(
      (await fetch(`${dispatcher.url}/subscriptions/${provider.id}/replays`, { method: 'POST' })).status,
    ).toBe(401);

    // The dry run (the default) answers what would be sent and changes nothing at all.
    const untouched = await snapshot(hub);
    const dry = await dispatcher.call('POST', `/subscriptions/${provider.id}/replays`, { from, to });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, events: expectedTotal });
    expect(Object.keys(dry.body.window).sort()).toEqual(
      [0, 1, 2]
        .map((p) => `${hub.prefix}wmo:${p}`)
        .concat([0, 1, 2].map((p) => `${hub.prefix}omgevingswet:${p}`))
        .sort(),
    );
    const perCase = Object.fromEntries(
      (dry.body.perCase as { caseId: string; events: number }[]).map((x) => [x.caseId, x.events]),
    );
    for (const [c, ids] of expected) expect(perCase[c] ?? 0, c).toBe(ids.length);
    expect(await snapshot(hub)).toEqual(untouched);

    // Executed, while the subscription is still stopped, then resumed.
    const back = await hub.receiver(receiver.port);
    const started = await dispatcher.call('POST', `/subscriptions/${provider.id}/replays`, {
      from,
      to,
      dryRun: false,
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', kind: 'replay' });
    expect(started.body.location).toBe(`/subscriptions/${provider.id}/replays/${started.body.id}`);
    const path = started.body.location as string;
    let job: Json = {};
    await until(async () => {
      job = (await dispatcher.call('GET', path)).body;
      return job.status === 'done';
    }, 'replay done');
    // Matched: the window's allowed events; queued: the parked rows opened again (the rest were still pending).
    expect(job.progress).toMatchObject({ matched: expectedTotal, queued: parked });
    expect(job.progress.scanned).toBe(job.progress.total);
    expect(job.window).toEqual(
      Object.fromEntries(
        Object.entries(dry.body.window as Record<string, { start: string; end: string }>).map(([k, w]) => [
          k,
          { ...w, next: w.end },
        ]),
      ),
    );
    const listed = await dispatcher.call('GET', `/subscriptions/${provider.id}/replays`);
    expect(listed.body.replays.map((r: Json) => r.id)).toEqual([started.body.id]);
    expect((await dispatcher.call('POST', `${path}/cancel`)).status).toBe(409);

    await dispatcher.call('POST', `/subscriptions/${provider.id}/resume`);
    const wanted = new Set([...[...expected.values()].flat(), ...after.map((e) => e.id)]);
    await until(
      () => new Set(back.accepted().map((r) => r.event.id)).size >= wanted.size,
      'window and later events delivered',
    );
    await sleep(300);
    const got = back.accepted();
    // Exactly the window's allowed events and what came after it; nothing from before, nothing it may not see.
    expect(new Set(got.map((r) => r.event.id))).toEqual(wanted);
    expect(got.some((r) => before.has(r.event.id))).toBe(false);
    for (const [c, ids] of expected) {
      const laterOfCase = after.filter((e) => e.subject === c).map((e) => e.id);
      expect(firstArrivals(got, c), `order of ${c}`).toEqual([...ids, ...laterOfCase]);
    }
    for (const r of got) {
      expect(r.headers['webhook-id']).toBe(webhookId(provider.id, r.event.source, r.event.id));
      expect(new Webhook(provider.secret).verify(r.body, r.headers as Record<string, string>)).toBeTruthy();
    }

    // The same window again, for one case and one type: delivered rows are opened again, and each
    // event arrives with the webhook-id it had, so a receiver that kept it can drop it.
    const again = await dispatcher.call('POST', `/subscriptions/${provider.id}/replays`, {
      from,
      to,
      cases: [c0],
      types: ['nl.wmo.toewijzing-verzonden'],
      dryRun: false,
    });
    expect(again.status).toBe(202);
    const c0Toewijzingen = windowEvents.filter(
      (e) => e.subject === c0 && e.type === 'nl.wmo.toewijzing-verzonden',
    );
    await until(
      () => back.accepted().length >= got.length + c0Toewijzingen.length,
      'the case replayed again',
    );
    await sleep(300);
    const second = back.accepted().slice(got.length);
    expect(second.map((r) => r.event.id)).toEqual(c0Toewijzingen.map((e) => e.id));
    for (const r of second) {
      const first = got.find((g) => g.event.id === r.event.id);
      expect(r.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    }
    const one = await dispatcher.call('GET', `/subscriptions/${provider.id}/replays/${again.body.id}`);
    expect(one.body).toMatchObject({ status: 'done', progress: { matched: 2, queued: 2 } });

    // The operator's list of every subscription, and one delivery with its log place and webhook-id.
    const all = await dispatcher.call('GET', '/subscriptions');
    expect(all.body.subscriptions).toEqual([
      expect.objectContaining({ id: provider.id, pending: 0, failed: 0, replaysRunning: 0 }),
    ]);
    const delivered = await dispatcher.call(
      'GET',
      `/subscriptions/${provider.id}/deliveries?status=delivered&limit=1`,
    );
    const d = delivered.body.deliveries[0] as Json;
    const detail = await dispatcher.call('GET', `/subscriptions/${provider.id}/deliveries/${d.id}`);
    expect(detail.body).toMatchObject({
      id: d.id,
      webhookId: webhookId(provider.id, d.eventSource, d.eventId),
      log: { topic: `${hub.prefix}wmo`, partition: expect.any(Number), offset: expect.any(String) },
    });
    expect(JSON.stringify(detail.body)).not.toContain('999993653');
    expect((await dispatcher.call('GET', `/subscriptions/${provider.id}/deliveries/99999999`)).status).toBe(
      404,
    );
  });

  test('a cancelled replay stops and withdraws what it had queued and not sent', async ({ hub }) => {
    // History from before the subscription (the fan-out read it before the subscription existed):
    // the replay queues all of it anew. Small chunks: the replay takes long enough to be cancelled half-way.
    const dispatcher = await hub.dispatcher({ DISPATCHER_REPLAY_FETCH_BYTES: '2048' });
    const from = new Date(Date.now() - 1_000).toISOString();
    const cases = Array.from({ length: 30 }, () => randomUUID());
    await hub.publish(cases.flatMap((c) => [opened(c), added(zorg, c)]));
    for (let round = 0; round < 10; round++)
      await hub.publish(cases.flatMap((c) => Array.from({ length: 10 }, () => toewijzing(c))));
    // A replay's window ends where the fan-out has read: let it read everything first.
    const published = cases.length * 102;
    await until(
      async () =>
        Number(
          (
            await sql<{
              n: string;
            }>`select coalesce(sum(next_offset), 0) as n from dispatcher.consumer_positions
              where topic = ${`${hub.prefix}wmo`}`.execute(hub.db)
          ).rows[0]?.n,
        ) >= published,
      'the fan-out read the log',
    );
    const provider = await subscribeProvider(hub, zorg);
    // The receiver holds everything back, so what the replay queues waits.
    provider.receiver.behave(() => ({ status: 503, headers: { 'retry-after': '60' } }));
    // Known to the dispatcher before the replay is asked for.
    await until(
      async () => (await dispatcher.call('GET', `/subscriptions/${provider.id}/status`)).status === 200,
      'subscription read',
    );
    const started = await dispatcher.call('POST', `/subscriptions/${provider.id}/replays`, {
      from,
      dryRun: false,
    });
    expect(started.status).toBe(202);
    // Half-way: some of it queued, not all of the window read.
    await until(
      async () => (await dispatcher.call('GET', started.body.location)).body.progress.queued > 0,
      'a first chunk',
      30_000,
    );
    const cancelled = await dispatcher.call('POST', `${started.body.location}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    await sleep(1_500);
    const job = (await dispatcher.call('GET', started.body.location)).body;
    expect(job.status).toBe('cancelled');
    const rows = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from dispatcher.deliveries
      where subscription_id = ${provider.id} and replay_id = ${started.body.id} group by status`.execute(
      hub.db,
    );
    // Nothing of it still waits to go out; what it had queued before the cancel is withdrawn.
    expect(rows.rows.filter((r) => r.status === 'pending')).toEqual([]);
    const withdrawn = rows.rows.find((r) => r.status === 'cancelled')?.n ?? 0;
    expect(withdrawn).toBe(job.progress.queued - (rows.rows.find((r) => r.status === 'delivered')?.n ?? 0));
    expect(job.progress.scanned).toBeLessThan(job.progress.total);
    expect(withdrawn).toBeGreaterThan(0);
    process.stderr.write(
      `[cancel test] scanned ${job.progress.scanned}/${job.progress.total}, queued ${job.progress.queued}, withdrawn ${cancelled.body.withdrawn}\n`,
    );
    expect((await dispatcher.call('POST', `${started.body.location}/cancel`)).status).toBe(409);
    expect((await dispatcher.status(provider.id)).cancelled).toBe(withdrawn);
  });
});

describe('backfill for a late joiner', () => {
  test('a subscription made with backfill gets exactly the nalezen history of its cases, then live events, in order per case', async ({
    hub,
  }) => {
    const dispatcher = await hub.dispatcher();
    const cases: string[] = Array.from({ length: 4 }, () => randomUUID());
    const logs = new Map<string, KetenEvent[]>(cases.map((c) => [c, []]));
    const publish = async (events: KetenEvent[]) => {
      for (const e of events) logs.get(e.subject)?.push(e);
      await hub.publish(events);
    };
    // History: the first provider cares (its zorg-gestart is a fact of that provider: nalezen false),
    // then the later provider joins three of the cases; the fourth is none of its business.
    await publish(
      cases.flatMap((c) => [
        opened(c),
        added(zorg, c),
        toewijzing(c),
        ev('nl.wmo.zorg-gestart', c, zorg),
        ev('nl.wmo.melding-ontvangen', c, org.gemeente),
        ...(c === cases[3] ? [] : [added(laterZorg, c), toewijzing(c)]),
      ]),
    );
    await sleep(300);
    const late = await subscribeProvider(hub, laterZorg, { backfill: true });
    const viewer = { oin: laterZorg.oin, roles: ['zorgaanbieder'] };
    // What the rule lets it read of each case's history (the read rule with positions), as
    // deliveries (no conflicts).
    const expected = new Map(
      cases.map((c) => {
        const log = logs.get(c) ?? [];
        const g = givenCase(log);
        return [
          c,
          g
            .readable(viewer)
            .filter((i) => g.verdicts[i]?.ok)
            .map((i) => log[i] as KetenEvent)
            .filter((e) => providerTypes.includes(e.type as EventType))
            .map((e) => e.id),
        ];
      }),
    );
    // The nalezen rule at work: the earlier provider's zorg-gestart is not in it, the toewijzing before it joined is.
    const c0 = logs.get(cases[0] as string) ?? [];
    expect(expected.get(cases[0] as string)).not.toContain(c0[3]?.id);
    expect(expected.get(cases[0] as string)).toContain(c0[2]?.id);
    expect(expected.get(cases[3] as string)).toEqual([]);

    await until(
      async () =>
        (
          await hub.db
            .selectFrom('dispatcher.replays' as never)
            .selectAll()
            .execute()
        ).some((r) => (r as Json).status === 'done'),
      'the backfill the registry asked for is done',
      60_000,
    );
    const live = cases.slice(0, 3).map(toewijzing);
    await publish(live);
    const total = [...expected.values()].flat().length + live.length;
    await until(() => late.receiver.accepted().length >= total, 'history and live delivered', 30_000);
    await sleep(300);
    const got = late.receiver.accepted();
    expect(got).toHaveLength(total);
    for (const c of cases) {
      const liveOfCase = live.filter((e) => e.subject === c).map((e) => e.id);
      expect(firstArrivals(got, c), `case ${c}`).toEqual([...(expected.get(c) ?? []), ...liveOfCase]);
    }
    const jobs = await sql<{ origin: string; kind: string; matched: string }>`
      select origin, kind, matched from dispatcher.replays`.execute(hub.db);
    expect(jobs.rows).toEqual([
      { origin: 'registry', kind: 'backfill', matched: String(total - live.length) },
    ]);

    // An operator's backfill now: the dry run counts the history and the live events since (the log
    // up to now), changing nothing; executing matches the same count and queues nothing new.
    const untouched = await snapshot(hub);
    const dry = await dispatcher.call('POST', `/subscriptions/${late.id}/backfill`, {});
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, kind: 'backfill', events: total });
    expect(await snapshot(hub)).toEqual(untouched);
    const run = await dispatcher.call('POST', `/subscriptions/${late.id}/backfill`, { dryRun: false });
    expect(run.status).toBe(202);
    await until(
      async () => (await dispatcher.call('GET', run.body.location)).body.status === 'done',
      'backfill done',
    );
    expect((await dispatcher.call('GET', run.body.location)).body.progress).toMatchObject({
      matched: dry.body.events,
      queued: 0,
    });
  });
});
