import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type AccessState, applyAccess, emptyAccess } from '@ketenhub/access';
import { exampleAccessContext, givenCase } from '@ketenhub/access/testing';
import type { KetenEvent } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createPublisher } from '@ketenhub/kafka';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Child, spawnTs } from '@ketenhub/testkit/process';
import { sql } from 'kysely';
import { webhookId } from '../src/deliveries/signature';
import {
  adminToken,
  domainTopics,
  publishEvents,
  resetSchemas,
  sleep,
  startReceiver,
  startRegistry,
  until,
  webhookKey,
} from './harness';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/** The dispatcher as its own process, started the way `npm start` starts it (node + tsx). */
const runDispatcher = (env: Record<string, string>): Child =>
  spawnTs({ cwd: serviceDir, entry: 'src/index.ts', env });

describe('dispatcher crash safety', () => {
  test('two instances, each killed with SIGKILL mid-run and restarted: every event arrives, the outbox holds each exactly once', async ({
    kafka,
    testDb,
    prefix: testPrefix,
  }) => {
    const prefix = `${testPrefix}.`;
    await resetSchemas(testDb.db);
    await domainTopics(kafka.client, prefix);
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    const publisher = await createPublisher(kafka.client);
    const receiver = await startReceiver();
    const provider = exampleOrganisations.zorgaanbieder;
    const sub = await registry.subscriber(
      {
        oin: provider.oin,
        name: provider.systeem,
        roles: ['zorgaanbieder'],
        consumes: ['nl.wmo.toewijzing-verzonden', 'nl.ketens.deelnemer-verwijderd'],
      },
      receiver.url,
    );
    const env = {
      DATABASE_URL: testDb.url,
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: '3',
      KETENHUB_ADMIN_TOKEN: adminToken,
      KETENHUB_WEBHOOK_KEY: webhookKey,
      KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
      DISPATCHER_PORT: '0',
      DISPATCHER_CONCURRENCY: '4',
      DISPATCHER_TIMEOUT_MS: '1000',
      DISPATCHER_RETRY_SCHEDULE: `0,100ms,200ms,400ms,${Array.from({ length: 30 }, () => '1s').join(',')}`,
      DISPATCHER_POLL_MS: '100',
      // A killed member holds its partitions until the session times out: keep that short here.
      DISPATCHER_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
    };

    // 40 chain cases, 10 toewijzingen each, published in bursts so the consumer has work while
    // the kills happen (fan-out killed mid-transaction as well as the sender mid-request). In a
    // quarter of them the gemeente removes the provider half-way: its later toewijzingen must not
    // be delivered, which holds only if every case's access state survived the kills exactly once.
    const cases: string[] = Array.from({ length: 40 }, () => randomUUID());
    const removedIn = new Set(cases.slice(0, 10));
    const toewijzing = (c: string) =>
      makeEvent('nl.wmo.toewijzing-verzonden', undefined, { subject: c, id: randomUUID() }) as KetenEvent;
    const perCase = new Map(
      cases.map((c) => {
        const events = Array.from({ length: 10 }, () => toewijzing(c));
        if (removedIn.has(c)) {
          events.splice(
            6,
            0,
            makeEvent(
              'nl.ketens.deelnemer-verwijderd',
              { oin: provider.oin, rol: 'zorgaanbieder' },
              { subject: c, id: randomUUID() },
            ) as KetenEvent,
          );
        }
        return [c, events];
      }),
    );
    const openingOf = new Map(
      cases.map((c) => [
        c,
        [
          makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: c, id: randomUUID() }) as KetenEvent,
          makeEvent('nl.ketens.deelnemer-aangesloten', undefined, {
            subject: c,
            id: randomUUID(),
          }) as KetenEvent,
        ],
      ]),
    );
    const opening = cases.flatMap((c) => openingOf.get(c) ?? []);
    // What the provider's subscription must receive per case: the access rule's oracle.
    const viewer = { oin: provider.oin, roles: ['zorgaanbieder'] };
    const expectedOf = new Map(
      cases.map((c) => {
        const log = [...(openingOf.get(c) ?? []), ...(perCase.get(c) ?? [])];
        const ids = givenCase(log)
          .delivered(viewer)
          .map((i) => log[i] as KetenEvent)
          .filter((e) => e.type !== 'nl.ketens.deelnemer-aangesloten')
          .map((e) => e.id);
        return [c, ids];
      }),
    );
    const all = [...expectedOf.values()].flat();
    const total = all.length;
    expect(total).toBe(30 * 10 + 10 * 7);

    const children: Child[] = [];
    const start = () => {
      const child = runDispatcher(env);
      children.push(child);
      return child;
    };
    const deliveredIds = () => new Set(receiver.accepted().map((r) => r.event.id));
    try {
      await publishEvents(publisher, prefix, opening);
      const a = start();
      const b = start();
      // Interleave per round: event i of every case, so each partition keeps receiving work.
      const rounds = Array.from({ length: 11 }, (_, i) => cases.flatMap((c) => perCase.get(c)?.[i] ?? []));
      for (const round of rounds.slice(0, 5)) await publishEvents(publisher, prefix, round);
      await until(() => deliveredIds().size >= total / 5, 'a fifth delivered', 90_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${a.output().slice(-2000)}\n${b.output().slice(-2000)}`);
      });
      a.proc.kill('SIGKILL');
      expect((await a.exited).signal).toBe('SIGKILL');
      for (const round of rounds.slice(5)) await publishEvents(publisher, prefix, round);
      await sleep(300);
      // Kill the survivor too, mid-run, then bring both back.
      b.proc.kill('SIGKILL');
      await b.exited;
      expect(deliveredIds().size, 'killed before everything was delivered').toBeLessThan(total);
      start();
      start();

      await until(
        () => deliveredIds().size === total,
        'every event delivered after the restarts',
        120_000,
      ).catch((e: unknown) => {
        throw new Error(
          `${String(e)} (${deliveredIds().size}/${total})\n${children.at(-1)?.output().slice(-3000)}`,
        );
      });
      expect(deliveredIds()).toEqual(new Set(all));

      // Exactly once in the outbox, all delivered.
      await until(
        async () =>
          Number(
            (
              await sql<{ n: string }>`select count(*) as n from dispatcher.deliveries
                where subscription_id = ${sub.id} and status <> 'delivered'`.execute(testDb.db)
            ).rows[0]?.n,
          ) === 0,
        'every outbox row settled',
        30_000,
      );
      const rows = await sql<{ n: string; distinct_ids: string; delivered: string }>`
        select count(*) as n, count(distinct event_id) as distinct_ids,
          count(*) filter (where status = 'delivered') as delivered
        from dispatcher.deliveries where subscription_id = ${sub.id}`.execute(testDb.db);
      expect(Number(rows.rows[0]?.n)).toBe(total);
      expect(Number(rows.rows[0]?.distinct_ids)).toBe(total);
      expect(Number(rows.rows[0]?.delivered)).toBe(total);

      // At least once: repeats are allowed, but per case the first arrival of each event is in order.
      for (const [caseId, ids] of expectedOf) {
        const firstSeen: string[] = [];
        for (const r of receiver.accepted()) {
          if (r.event.subject === caseId && !firstSeen.includes(r.event.id)) firstSeen.push(r.event.id);
        }
        expect(firstSeen, `order of case ${caseId}`).toEqual(ids);
      }

      // Each case's access state holds every access event once: what folding its log gives.
      const states = await sql<{ case_id: string; state: AccessState }>`
        select case_id, state from dispatcher.case_access`.execute(testDb.db);
      expect(states.rows).toHaveLength(cases.length);
      for (const row of states.rows) {
        const expected = emptyAccess();
        for (const e of [...(openingOf.get(row.case_id) ?? []), ...(perCase.get(row.case_id) ?? [])]) {
          applyAccess(expected, e, exampleAccessContext, 0);
        }
        expect(row.state).toEqual(expected);
        expect(row.state.deelnames.find((d) => d.oin === provider.oin)?.status).toBe(
          removedIn.has(row.case_id) ? 'verwijderd' : 'actief',
        );
      }
      process.stderr.write(
        `[dispatcher crash test] ${total} events, ${receiver.accepted().length} accepted requests (${receiver.accepted().length - total} repeats)\n`,
      );
    } finally {
      for (const c of children)
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await receiver.close();
      await publisher.close();
      await registry.close();
    }
  });
});

/** A port free right now, for a child process whose operator API the test calls. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('replay crash safety', () => {
  test('a replay killed with SIGKILL and resumed by the next start queues every event of its window once; the receiver sees repeats only under the same webhook-id', async ({
    kafka,
    testDb,
    prefix: testPrefix,
  }) => {
    const prefix = `${testPrefix}.`;
    await resetSchemas(testDb.db);
    await domainTopics(kafka.client, prefix);
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    const publisher = await createPublisher(kafka.client);
    const receiver = await startReceiver();
    const provider = exampleOrganisations.zorgaanbieder;
    const sub = await registry.subscriber(
      {
        oin: provider.oin,
        name: provider.systeem,
        roles: ['zorgaanbieder'],
        consumes: ['nl.wmo.toewijzing-verzonden'],
      },
      receiver.url,
    );
    const port = await freePort();
    const env = {
      DATABASE_URL: testDb.url,
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: '3',
      KETENHUB_ADMIN_TOKEN: adminToken,
      KETENHUB_WEBHOOK_KEY: webhookKey,
      KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
      DISPATCHER_PORT: String(port),
      DISPATCHER_TIMEOUT_MS: '1000',
      DISPATCHER_RETRY_SCHEDULE: `0,100ms,${Array.from({ length: 30 }, () => '500ms').join(',')}`,
      DISPATCHER_POLL_MS: '100',
      DISPATCHER_SESSION_TIMEOUT_MS: '6000',
      // Small chunks and a short lease: the scan is under way when it is killed, and resumed soon after.
      DISPATCHER_REPLAY_FETCH_BYTES: '4096',
      DISPATCHER_REPLAY_LEASE_MS: '3000',
      LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${port}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const children: Child[] = [];
    const start = () => {
      const child = runDispatcher(env);
      children.push(child);
      return child;
    };
    try {
      const from = new Date(Date.now() - 1_000).toISOString();
      const cases = Array.from({ length: 40 }, () => randomUUID());
      const events = new Map(
        cases.map((c) => [
          c,
          Array.from(
            { length: 40 },
            () =>
              makeEvent('nl.wmo.toewijzing-verzonden', undefined, {
                subject: c,
                id: randomUUID(),
              }) as KetenEvent,
          ),
        ]),
      );
      await publishEvents(
        publisher,
        prefix,
        cases.flatMap((c) => [
          makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: c, id: randomUUID() }) as KetenEvent,
          makeEvent('nl.ketens.deelnemer-aangesloten', undefined, {
            subject: c,
            id: randomUUID(),
          }) as KetenEvent,
        ]),
      );
      for (let i = 0; i < 40; i++)
        await publishEvents(
          publisher,
          prefix,
          cases.map((c) => events.get(c)?.[i] as KetenEvent),
        );
      const total = cases.length * 40;
      const first = start();
      await until(
        () => new Set(receiver.accepted().map((r) => r.event.id)).size >= total,
        'delivered live',
        90_000,
      ).catch(async (e: unknown) => {
        const queue = await sql`select status, waiting_for_head, next_attempt_at > now() as later, attempts,
            count(*)::int as n from dispatcher.deliveries group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(
          testDb.db,
        );
        const stuck = await sql`with p as (select subscription_id, case_id from dispatcher.deliveries
            where status = 'pending' and waiting_for_head limit 1)
          select d.id, d.status, d.waiting_for_head as w, d.log_offset as o, d.attempts as a,
            to_char(d.next_attempt_at, 'MI:SS.MS') as next, to_char(d.delivered_at, 'MI:SS.MS') as done,
            to_char(d.last_attempt_at, 'MI:SS.MS') as tried
          from dispatcher.deliveries d join p using (subscription_id, case_id) order by d.log_offset limit 12`.execute(
          testDb.db,
        );
        throw new Error(
          `${String(e)} ${JSON.stringify(queue.rows)} ${JSON.stringify(stuck.rows)}\n${first.output().slice(-2000)}`,
        );
      });
      await until(
        async () => (await api('GET', `/subscriptions/${sub.id}/status`)).body.pending === 0,
        'settled',
      );

      // The receiver lost it all; the operator replays from before the first event.
      receiver.received.length = 0;
      const started = await api('POST', `/subscriptions/${sub.id}/replays`, { from, dryRun: false });
      expect(started.status).toBe(202);
      const path = started.body.location as string;
      await until(
        async () => {
          const p = (await api('GET', path)).body.progress;
          return p.scanned >= p.total / 4;
        },
        'a quarter scanned',
        60_000,
      );
      first.proc.kill('SIGKILL');
      await first.exited;
      const killedAt = (
        await sql<{ scanned: string; total: string }>`
        select sum(next_offset - start_offset) as scanned, sum(end_offset - start_offset) as total
        from dispatcher.replay_partitions where replay_id = ${started.body.id}`.execute(testDb.db)
      ).rows[0];
      expect(Number(killedAt?.scanned)).toBeLessThan(Number(killedAt?.total));

      const second = start();
      let job: Record<string, any> = {};
      await until(
        async () => {
          job = (await api('GET', path).catch(() => ({ body: {} }))).body;
          return job.status === 'done';
        },
        'the replay resumed and done',
        90_000,
      ).catch((e: unknown) => {
        throw new Error(`${String(e)} ${JSON.stringify(job)}\n${second.output().slice(-3000)}`);
      });
      expect(job.progress).toMatchObject({ matched: total, queued: total });
      await until(
        () => new Set(receiver.accepted().map((r) => r.event.id)).size >= total,
        'replayed',
        90_000,
      );

      // The outbox: each event once for the subscription, all delivered.
      await until(
        async () => (await api('GET', `/subscriptions/${sub.id}/status`)).body.pending === 0,
        'replay settled',
      );
      const rows = await sql<{ n: string; distinct_ids: string; delivered: string }>`
        select count(*) as n, count(distinct event_id) as distinct_ids,
          count(*) filter (where status = 'delivered') as delivered
        from dispatcher.deliveries where subscription_id = ${sub.id}`.execute(testDb.db);
      expect(rows.rows[0]).toEqual({
        n: String(total),
        distinct_ids: String(total),
        delivered: String(total),
      });

      // What the receiver saw: every event of the window, a repeat only under the webhook-id it had.
      const byEvent = new Map<string, Set<string>>();
      for (const r of receiver.accepted()) {
        const ids = byEvent.get(r.event.id) ?? new Set<string>();
        ids.add(String(r.headers['webhook-id']));
        byEvent.set(r.event.id, ids);
      }
      expect(byEvent.size).toBe(total);
      for (const [eventId, ids] of byEvent) {
        expect([...ids]).toEqual([webhookId(sub.id, exampleOrganisations.gemeente.source, eventId)]);
      }
      for (const c of cases) {
        const firstSeen: string[] = [];
        for (const r of receiver.accepted())
          if (r.event.subject === c && !firstSeen.includes(r.event.id)) firstSeen.push(r.event.id);
        expect(firstSeen, `order of ${c}`).toEqual(events.get(c)?.map((e) => e.id));
      }
      process.stderr.write(
        `[replay crash test] ${total} events replayed, killed at ${killedAt?.scanned}/${killedAt?.total} scanned, ${receiver.accepted().length - total} repeats\n`,
      );
    } finally {
      for (const c of children)
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await receiver.close();
      await publisher.close();
      await registry.close();
    }
  });
});
