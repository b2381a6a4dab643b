import { randomUUID } from 'node:crypto';
import { verifyWebhook } from '@ketenhub/client';
import type { EventType, KetenEvent, PublisherRole } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { describe, expect } from '@ketenhub/testkit';
import { Webhook } from 'standardwebhooks';
import { webhookId } from '../src/deliveries/signature';
import { sleep, hubTest as test, until } from './harness';

const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;
const cak = exampleOrganisations.cak;

const ev = (type: EventType, caseId: string, as?: PublisherRole, extra: Record<string, unknown> = {}) =>
  makeEvent(type, undefined, {
    subject: caseId,
    id: randomUUID(),
    ...(as ? { as } : {}),
    ...extra,
  }) as KetenEvent;

/** A WMO chain case the gemeente opened and added the care provider to (beperkt access). */
const joinedCase = (caseId: string) => [
  ev('nl.ketens.ketenzaak-geopend', caseId),
  ev('nl.ketens.deelnemer-aangesloten', caseId),
];

const zorgSpec = {
  oin: zorg.oin,
  name: zorg.systeem,
  roles: ['zorgaanbieder'],
  consumes: ['nl.wmo.toewijzing-verzonden', 'nl.ketens.deelnemer-aangesloten'],
};

describe('dispatcher', () => {
  test('signed deliveries, verifiable with the client, only of subscribed types and only to participants', async ({
    hub,
  }) => {
    const zorgR = await hub.receiver();
    const cakR = await hub.receiver();
    const gemR = await hub.receiver();
    const zorgSub = await hub.registry.subscriber(zorgSpec, zorgR.url);
    const cakSub = await hub.registry.subscriber(
      { oin: cak.oin, name: cak.systeem, roles: ['cak'], consumes: ['nl.wmo.eigen-bijdrage-gestart'] },
      cakR.url,
    );
    // The gemeente consumes both types but subscribed to one.
    const gemSub = await hub.registry.subscriber(
      {
        oin: gemeente.oin,
        name: gemeente.systeem,
        roles: ['gemeente'],
        consumes: ['nl.wmo.zorg-gestart', 'nl.wmo.toewijzing-verzonden'],
      },
      gemR.url,
      ['nl.wmo.zorg-gestart'],
    );
    const dispatcher = await hub.dispatcher();

    const caseId = randomUUID();
    const traceparent = `00-${randomUUID().replaceAll('-', '')}-${randomUUID().slice(0, 18).replaceAll('-', '')}-01`;
    const [open, join] = joinedCase(caseId) as [KetenEvent, KetenEvent];
    const beforeJoin = ev('nl.wmo.toewijzing-verzonden', caseId);
    const afterJoin = ev('nl.wmo.toewijzing-verzonden', caseId, undefined, { traceparent });
    const started = ev('nl.wmo.zorg-gestart', caseId, 'zorgaanbieder');
    const eigenBijdrage = ev('nl.wmo.eigen-bijdrage-gestart', caseId);
    // The CAK joins on its own: participation is granted by an owner, never claimed.
    const selfJoin = makeEvent(
      'nl.ketens.deelnemer-aangesloten',
      { oin: cak.oin, rol: 'cak', systeem: cak.systeem, zaakreferentie: 'EB-1', toegang: 'volledig' },
      { subject: caseId, id: randomUUID(), source: cak.source },
    ) as KetenEvent;
    await hub.publish([
      open,
      ev('nl.wmo.melding-ontvangen', caseId),
      beforeJoin,
      join,
      afterJoin,
      selfJoin,
      started,
      eigenBijdrage,
    ]);

    await until(() => zorgR.accepted().length >= 2 && gemR.accepted().length >= 1, 'deliveries');
    await sleep(500);
    // The provider: its own joining and what came after it; nothing from before it joined.
    expect(zorgR.received.map((r) => r.event.id)).toEqual([join.id, afterJoin.id]);
    expect(gemR.received.map((r) => r.event.id)).toEqual([started.id]);
    // The CAK subscribed to the eigen bijdrage but takes no part in the case (its self-join
    // granted nothing): nothing.
    expect(cakR.received).toEqual([]);
    expect(await hub.outbox(cakSub.id)).toEqual([]);

    for (const r of zorgR.received) {
      expect(r.headers['content-type']).toBe('application/cloudevents+json');
      expect(verifyWebhook({ secret: zorgSub.secret, headers: r.headers, body: r.body })).toMatchObject({
        ok: true,
      });
      expect(verifyWebhook({ secret: gemSub.secret, headers: r.headers, body: r.body }).ok).toBe(false);
      // Standard Webhooks: the standardwebhooks package verifies the delivery with the secret shown.
      expect(new Webhook(zorgSub.secret).verify(r.body, r.headers as Record<string, string>)).toMatchObject({
        id: r.event.id,
      });
      expect(() => new Webhook(gemSub.secret).verify(r.body, r.headers as Record<string, string>)).toThrow();
      expect(r.headers['webhook-id']).toBe(webhookId(zorgSub.id, r.event.source, r.event.id));
      expect(r.headers['webhook-request-origin']).toBe('ketenhub.test');
      // The deprecated header still verifies for receivers that have not moved yet.
      const { 'webhook-signature': _s, 'webhook-id': _i, ...legacyOnly } = r.headers;
      expect(verifyWebhook({ secret: zorgSub.secret, headers: legacyOnly, body: r.body })).toMatchObject({
        ok: true,
        scheme: 'ketenhub-signature',
      });
    }
    // The body is the Kafka record value byte for byte (structured mode), traceparent passed on.
    expect(zorgR.received[1]?.body).toBe(JSON.stringify(afterJoin));
    expect(zorgR.received[1]?.headers.traceparent).toBe(traceparent);
    expect(zorgR.received[0]?.headers.traceparent).toBeUndefined();

    expect((await hub.outbox(zorgSub.id)).map((r) => r.status)).toEqual(['delivered', 'delivered']);

    const metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
    expect(metrics).toMatch(/ketenhub_webhook_attempts_total\{verdict="delivered"[^}]*\} 3/);
    expect(metrics).toContain('ketenhub_webhook_queue_deliveries{status="pending"');
    expect(metrics).toContain('ketenhub_consumer_lag_records');
  });

  test('retries after 503 with Retry-After and after the receiver was down; per-case order kept', async ({
    hub,
  }) => {
    const receiver = await hub.receiver();
    const sub = await hub.registry.subscriber(zorgSpec, receiver.url, ['nl.wmo.toewijzing-verzonden']);
    let calls = 0;
    receiver.behave(() =>
      ++calls <= 2 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 204 },
    );
    const dispatcher = await hub.dispatcher();

    const a = randomUUID();
    const b = randomUUID();
    const aEvents = Array.from({ length: 4 }, () => ev('nl.wmo.toewijzing-verzonden', a));
    const bEvents = Array.from({ length: 3 }, () => ev('nl.wmo.toewijzing-verzonden', b));
    await hub.publish([...joinedCase(a), ...joinedCase(b)]);
    // Interleaved, as two cases' events arrive in the log.
    await hub.publish(aEvents.flatMap((e, i) => [e, ...(bEvents[i] ? [bEvents[i]] : [])]));

    const idsOf = (caseId: string) =>
      receiver
        .accepted()
        .filter((r) => r.event.subject === caseId)
        .map((r) => r.event.id);
    await until(() => receiver.accepted().length >= 7, 'all seven delivered');
    expect(idsOf(a)).toEqual(aEvents.map((e) => e.id));
    expect(idsOf(b)).toEqual(bEvents.map((e) => e.id));
    // Retry-After: 1 held the whole subscription back for a second.
    const first503 = receiver.received.find((r) => r.status === 503)?.at ?? 0;
    expect((receiver.accepted()[0]?.at ?? 0) - first503).toBeGreaterThanOrEqual(900);

    // The receiver goes down; events keep coming; it returns on the same port.
    await receiver.close();
    const later = Array.from({ length: 3 }, () => ev('nl.wmo.toewijzing-verzonden', a));
    await hub.publish(later);
    // The last error was the 503 from before; wait for the refused connection to replace it.
    await until(
      async () => /ECONNREFUSED|fetch failed/.test((await dispatcher.status(sub.id)).lastError?.reason ?? ''),
      'connection refused seen',
    );
    expect(await dispatcher.status(sub.id)).toMatchObject({ pending: 3 });
    const back = await hub.receiver(receiver.port);
    await until(() => back.accepted().length >= 3, 'delivered after the receiver returned');
    expect(back.accepted().map((r) => r.event.id)).toEqual(later.map((e) => e.id));
    // The receiver has the last one before the dispatcher has its answer and records it.
    await until(async () => (await dispatcher.status(sub.id)).pending === 0, 'last delivery recorded');
    expect(await dispatcher.status(sub.id)).toMatchObject({ pending: 0, delivered: 10, failed: 0 });
  });

  test('410 stops the subscription; after the operator resumes, the held deliveries go out in order', async ({
    hub,
  }) => {
    const receiver = await hub.receiver();
    const sub = await hub.registry.subscriber(zorgSpec, receiver.url, ['nl.wmo.toewijzing-verzonden']);
    receiver.behave(() => ({ status: 410 }));
    const dispatcher = await hub.dispatcher();
    const caseId = randomUUID();
    const events = [ev('nl.wmo.toewijzing-verzonden', caseId), ev('nl.wmo.toewijzing-verzonden', caseId)];
    await hub.publish([...joinedCase(caseId), ...events]);
    await until(async () => (await dispatcher.status(sub.id)).stoppedAt !== null, 'stopped by 410');
    await sleep(600);
    expect(receiver.received).toHaveLength(1);
    expect(await dispatcher.status(sub.id)).toMatchObject({
      pending: 2,
      stoppedReason: expect.stringContaining('410'),
    });

    receiver.behave(() => ({ status: 202 }));
    const resumed = await dispatcher.call('POST', `/subscriptions/${sub.id}/resume`);
    expect(resumed.body).toMatchObject({ stoppedAt: null });
    await until(() => receiver.accepted().length >= 2, 'delivered after resume');
    expect(receiver.accepted().map((r) => r.event.id)).toEqual(events.map((e) => e.id));
  });

  test('a 4xx parks the delivery (later events go on); the operator sees why and re-queues it', async ({
    hub,
  }) => {
    const receiver = await hub.receiver();
    const sub = await hub.registry.subscriber(zorgSpec, receiver.url, ['nl.wmo.toewijzing-verzonden']);
    const caseId = randomUUID();
    const refused = ev('nl.wmo.toewijzing-verzonden', caseId);
    const next = ev('nl.wmo.toewijzing-verzonden', caseId);
    let fixed = false;
    receiver.behave((e) => ({ status: e.id === refused.id && !fixed ? 422 : 204 }));
    const dispatcher = await hub.dispatcher();
    await hub.publish([...joinedCase(caseId), refused, next]);

    await until(() => receiver.accepted().length >= 1, 'the next event delivered');
    const failed = await dispatcher.call('GET', `/subscriptions/${sub.id}/deliveries?status=failed`);
    expect(failed.status).toBe(200);
    expect(failed.body.deliveries).toEqual([
      expect.objectContaining({
        eventId: refused.id,
        caseId,
        lastStatus: 422,
        lastError: 'HTTP 422',
        attempts: 1,
      }),
    ]);
    expect(JSON.stringify(failed.body)).not.toContain('999993653'); // no event data (BSN) in the operator view
    await until(async () => (await dispatcher.status(sub.id)).delivered === 1, 'delivery recorded');
    expect(await dispatcher.status(sub.id)).toMatchObject({
      failed: 1,
      delivered: 1,
      lastError: { reason: 'HTTP 422' },
    });
    expect((await fetch(`${dispatcher.url}/subscriptions/${sub.id}/status`)).status).toBe(401);

    fixed = true;
    const requeued = await dispatcher.call('POST', `/subscriptions/${sub.id}/deliveries/requeue`, {});
    expect(requeued.body).toEqual({ requeued: 1 });
    await until(() => receiver.accepted().length >= 2, 're-queued delivery sent');
    expect(receiver.accepted().map((r) => r.event.id)).toEqual([next.id, refused.id]);
    await until(async () => (await dispatcher.status(sub.id)).delivered === 2, 're-queued delivery recorded');
    expect(await dispatcher.status(sub.id)).toMatchObject({ failed: 0, delivered: 2, pending: 0 });
  });

  test('during a secret rotation each delivery carries two Standard Webhooks signatures, one per valid secret', async ({
    hub,
  }) => {
    const receiver = await hub.receiver();
    const sub = await hub.registry.subscriber(zorgSpec, receiver.url, ['nl.wmo.toewijzing-verzonden']);
    await hub.dispatcher();
    const caseId = randomUUID();
    await hub.publish([...joinedCase(caseId), ev('nl.wmo.toewijzing-verzonden', caseId)]);
    await until(() => receiver.accepted().length >= 1, 'first delivery');
    const v1s = (h: string | string[] | undefined) =>
      String(h)
        .split(' ')
        .filter((p) => p.startsWith('v1,'));
    expect(v1s(receiver.received[0]?.headers['webhook-signature'])).toHaveLength(1);

    const rotated = await hub.registry.call(
      'POST',
      `/systems/${sub.systemId}/subscriptions/${sub.id}/secret`,
    );
    expect(rotated.status).toBe(200);
    await hub.publish([ev('nl.wmo.toewijzing-verzonden', caseId)]);
    await until(() => receiver.accepted().length >= 2, 'second delivery');
    const second = receiver.received[1];
    expect(v1s(second?.headers['webhook-signature'])).toHaveLength(2);
    // Both verify with the standardwebhooks package too.
    for (const secret of [sub.secret, rotated.body.secret as string]) {
      expect(
        new Webhook(secret).verify(second?.body ?? '', second?.headers as Record<string, string>),
      ).toMatchObject({ type: 'nl.wmo.toewijzing-verzonden' });
    }
    for (const secret of [sub.secret, rotated.body.secret as string]) {
      expect(
        verifyWebhook({ secret, headers: second?.headers ?? {}, body: second?.body ?? '' }),
      ).toMatchObject({ ok: true });
    }
  });

  test('a revoked system gets nothing more, and a deleted subscription queues nothing', async ({ hub }) => {
    const receiver = await hub.receiver();
    const other = await hub.receiver();
    const sub = await hub.registry.subscriber(zorgSpec, receiver.url, ['nl.wmo.toewijzing-verzonden']);
    const gem = await hub.registry.subscriber(
      {
        oin: gemeente.oin,
        name: gemeente.systeem,
        roles: ['gemeente'],
        consumes: ['nl.wmo.toewijzing-verzonden'],
      },
      other.url,
    );
    const dispatcher = await hub.dispatcher();
    const caseId = randomUUID();
    await hub.publish([...joinedCase(caseId), ev('nl.wmo.toewijzing-verzonden', caseId)]);
    await until(() => receiver.accepted().length >= 1 && other.accepted().length >= 1, 'first deliveries');

    expect((await hub.registry.call('POST', `/systems/${sub.systemId}/revoke`)).status).toBe(200);
    expect(
      (await hub.registry.call('DELETE', `/systems/${gem.systemId}/subscriptions/${gem.id}`)).status,
    ).toBe(200);
    await hub.publish([ev('nl.wmo.toewijzing-verzonden', caseId), ev('nl.wmo.toewijzing-verzonden', caseId)]);
    await until(async () => (await dispatcher.status(sub.id)).systemRevoked === true, 'revocation read');
    await sleep(1_000);
    expect(receiver.received).toHaveLength(1);
    expect(other.received).toHaveLength(1);
    expect(await hub.outbox(sub.id)).toHaveLength(1);
    expect(await hub.outbox(gem.id)).toHaveLength(1);
  });

  test('the rate a receiver allowed in the handshake is a throttle: no more than that per minute', async ({
    hub,
  }) => {
    // 300 per minute: 5 a second, a burst of 5.
    const receiver = await hub.receiver(undefined, 300);
    const sub = await hub.registry.subscriber(zorgSpec, receiver.url, ['nl.wmo.toewijzing-verzonden']);
    const dispatcher = await hub.dispatcher();
    expect(await dispatcher.status(sub.id)).toMatchObject({ allowedRate: 300 });
    const cases = Array.from({ length: 5 }, () => randomUUID());
    await hub.publish(cases.flatMap((c) => joinedCase(c)));
    await hub.publish(
      cases.flatMap((c) => [
        ev('nl.wmo.toewijzing-verzonden', c),
        ev('nl.wmo.toewijzing-verzonden', c),
        ev('nl.wmo.toewijzing-verzonden', c),
      ]),
    );
    await until(() => receiver.accepted().length >= 15, 'all delivered', 30_000);
    const times = receiver.accepted().map((r) => r.at);
    const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
    // 15 at 5/s with a burst of 5: at least two seconds, not all at once.
    expect(span).toBeGreaterThanOrEqual(1_800);
    // A token bucket: in any stretch, at most the burst plus the rate times its length (one of slack).
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) {
        const seconds = ((times[j] ?? 0) - (times[i] ?? 0)) / 1000;
        expect(j - i + 1, `deliveries ${i}..${j} in ${seconds} s`).toBeLessThanOrEqual(5 + 5 * seconds + 1);
      }
    }
    const metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
    expect(metrics).toMatch(/ketenhub_webhook_throttled_total\{why="allowed-rate"[^}]*\} [1-9]/);
  });
});
