import { newCaseId, omgevingswetLifecycle, wmoLifecycle, zorgGestopt } from '@ketenhub/case-model/testing';
import { caseEventTopic, createPublisher, ensureTopics, topicOffsets } from '@ketenhub/kafka';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { publishEvents, shuffle, sleep, until } from '../../test/helpers';
import { type Child, listeningPort, runTs } from '../../test/process';
import { projectionChecksum } from '../versions/checksum';
import { activeVersion, listVersions } from '../versions/versions';

describe('crash safety and rebuild', () => {
  test('kill -9 mid-batch then restart equals a fresh rebuild; the rebuild CLI switches reads atomically', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const base = `pk_${prefix.replace(/[^a-z0-9]/g, '_')}`;
    const wmoTopic = topic('wmo');
    const owTopic = topic('omgevingswet');
    await ensureTopics(kafka.client, [caseEventTopic(wmoTopic, 3), caseEventTopic(owTopic, 3)]);
    const env = {
      DATABASE_URL: testDb.url,
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPIC_PREFIX: `${prefix}.`,
      KAFKA_PARTITIONS: '3',
      PROJECTION_SCHEMA: base,
      PROJECTION_GROUP_ID: `${prefix}-projection`,
      PROJECTION_PORT: '0',
      // Small fetches and small transactions, one at a time: many commits, so a kill lands between
      // or inside transactions, and a quiet machine does not project the whole stream between two
      // looks at the timeline (it did at the defaults: 4,620 events in under 100 ms).
      PROJECTION_MAX_BYTES_PER_PARTITION: '16384',
      PROJECTION_TRANSACTIONS: '1',
      PROJECTION_MAX_RECORDS_PER_TRANSACTION: '20',
      PROJECTION_DEADLINE_SCAN_MS: '0',
      PROJECTION_VERSION_POLL_MS: '500',
      // A SIGKILLed member holds its partitions until the session times out: keep that short here.
      PROJECTION_SESSION_TIMEOUT_MS: '6000',
      KETENHUB_DEV_TOKENS: 'true',
      KETENHUB_DEV_TOKEN_SECRET: 'crash-test-secret-crash-test-secret-0123',
      LOG_LEVEL: 'info',
    };

    // ~9,000 events over 560 cases; a fifth of the cases arrive shuffled (refolds), plus duplicates.
    const wmoCases = Array.from({ length: 280 }, () => newCaseId());
    const owCases = Array.from({ length: 280 }, () => newCaseId());
    const wmoEvents = wmoCases.flatMap((id, i) =>
      i % 5 === 0 ? shuffle(wmoLifecycle(id), i) : wmoLifecycle(id),
    );
    const owEvents = owCases.flatMap((id, i) =>
      i % 5 === 0 ? shuffle(omgevingswetLifecycle(id), i) : omgevingswetLifecycle(id),
    );
    const publisher = await createPublisher(kafka.client);
    await publishEvents(publisher, wmoTopic, [...wmoEvents, ...shuffle(wmoEvents, 9).slice(0, 300)]);
    await publishEvents(publisher, owTopic, [...owEvents, ...shuffle(owEvents, 4).slice(0, 300)]);
    const unique = wmoEvents.length + owEvents.length;

    const timelineCount = async () => {
      try {
        const r = await sql<{
          n: string;
        }>`select count(*) as n from ${sql.table(`${base}_v1.timeline`)}`.execute(testDb.db);
        return Number(r.rows[0]?.n);
      } catch {
        return 0; // schema not there yet
      }
    };
    const t0 = Date.now();
    const step = (m: string) => process.stderr.write(`[crash-test ${Date.now() - t0}ms] ${m}\n`);
    step('published');
    const children: Child[] = [];
    try {
      // Two kills at different points of the stream.
      for (const fraction of [0.15, 0.5]) {
        const child = runTs('src/index.ts', env);
        children.push(child);
        await until(
          async () => (await timelineCount()) >= unique * fraction,
          90_000,
          `projected ${fraction}`,
        );
        step(`killing at ${await timelineCount()}`);
        child.proc.kill('SIGKILL');
        const exit = await child.exited;
        expect(exit.signal).toBe('SIGKILL');
        const at = await timelineCount();
        expect(at, 'killed before the end of the stream').toBeLessThan(unique);
      }

      const survivor = runTs('src/index.ts', env);
      children.push(survivor);
      await until(async () => (await timelineCount()) === unique, 90_000, 'all events after restart').catch(
        (error: unknown) => {
          step(
            `stuck at ${unique}: ${survivor
              .output()
              .split('\n')
              .filter((l) => !l.includes('"kafka"') || l.includes('"level":50'))
              .slice(-15)
              .join('\n')}`,
          );
          throw error;
        },
      );
      // Positions reach the end of every partition (duplicates included), nothing past it.
      await until(
        async () => {
          for (const t of [wmoTopic, owTopic]) {
            const ends = await topicOffsets(kafka.client, t);
            const pos = await sql<{ partition: number; next_offset: string }>`
            select partition, next_offset from ${sql.table(`${base}_v1.consumer_positions`)} where topic = ${t}`.execute(
              testDb.db,
            );
            for (const e of ends) {
              if (pos.rows.find((r) => r.partition === e.partition)?.next_offset !== e.high) return false;
            }
          }
          return true;
        },
        30_000,
        'positions at the end',
      );
      step('caught up');
      const afterCrash = await projectionChecksum(testDb.db, `${base}_v1`);
      expect(afterCrash.events).toBe(unique);
      expect(afterCrash.cases).toBe(560);

      // Fresh rebuild through the CLI (new schema, new group, from the start), switching reads.
      const port = listeningPort(survivor.output());
      expect(port).toBeGreaterThan(0);
      const v1Group = (await activeVersion(testDb.db, base))?.groupId as string;
      expect(v1Group).toBe(`${prefix}-projection-v1`);
      const cli = runTs('src/rebuild/cli.ts', { ...env, LOG_LEVEL: 'warn' }, ['--drop-old']);
      children.push(cli);
      // The serving version keeps answering while the rebuild runs.
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      step('cli started');
      const exit = await cli.exited;
      step('cli done');
      expect(exit.code, cli.output()).toBe(0);
      const lines = cli.output().trim().split('\n');
      const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as {
        version: number;
        checksum: string;
        events: number;
        dropped: number[];
      };
      expect(summary).toMatchObject({ version: 2, events: unique, dropped: [1], groupsLeft: [] });
      // The replaced version's consumer group is gone from Kafka too.
      const admin = kafka.client.kafka.admin();
      await admin.connect();
      const described = await admin.describeGroups([v1Group]);
      await admin.disconnect();
      expect(described.groups[0]?.state).toBe('Dead');
      expect(summary.checksum).toBe(afterCrash.checksum);

      expect((await activeVersion(testDb.db, base))?.versie).toBe(2);
      expect((await listVersions(testDb.db, base)).map((v) => v.versie)).toEqual([2]);
      const viewed = await projectionChecksum(testDb.db, base);
      expect(viewed.checksum).toBe(afterCrash.checksum);

      // The running instance moved its consumer to version 2: a new event shows up there.
      const target = wmoCases[1] as string;
      await publishEvents(publisher, wmoTopic, [zorgGestopt(target)]);
      await until(
        async () => {
          const r = await sql<{
            fase: string;
          }>`select fase from ${sql.table(`${base}.cases`)} where id = ${target}`.execute(testDb.db);
          return r.rows[0]?.fase === 'afgesloten';
        },
        30_000,
        'new event in version 2',
      );

      survivor.proc.kill('SIGTERM');
      const graceful = await survivor.exited;
      expect(graceful.code, 'graceful shutdown').toBe(0);
    } finally {
      await publisher.close();
      for (const c of children)
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await sleep(100);
    }
  }, 240_000);
});
