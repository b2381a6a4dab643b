/**
 * Catch-up feed benchmark (issue 13: "the catch-up feed serves at least 20,000 events/s to one
 * reader"). Not a test: `npm run bench:feed -w @ketenhub/projection [-- --events 100000]`.
 *
 * 1. Produces N events of WMO chain cases into fresh topics and projects them with the service's
 *    own consumer (this also writes the feed's index).
 * 2. Feed: one reader (the gemeente's system, which receives nearly every event of these cases)
 *    drains `GET /feeds/{systemId}/events?limit=1000` over HTTP on 127.0.0.1 from the start;
 *    events/s.
 * 3. Baseline, same run: the same events read by plain keyset pages of 1,000 in log order (the feed
 *    index's primary key, the stored event joined as JSON text, as the feed sends it): no HTTP, no
 *    access rule, no counting. Until 2026-12-04 the baseline paged the timeline on columns it has
 *    no index for and parsed every event, and the feed came out at 190% of it. Ratio feed /
 *    baseline.
 * Local Kafka and PostgreSQL only; the database and topics are removed at the end.
 */
import { cpus } from 'node:os';
import { newCaseId, wmoLifecycle } from '@ketenhub/case-model/testing';
import { createDatabase, dropDatabase, ensureDatabase } from '@ketenhub/db';
import { eventTypes, type KetenEvent, mayConsume } from '@ketenhub/events';
import { createKafkaClient, createPublisher, deleteTopics, parseBrokers } from '@ketenhub/kafka';
import { reportBench } from '@ketenhub/kafka/testing';
import { Command } from 'commander';
import { sql } from 'kysely';
import { startProjection } from '../test/harness';
import { publishEvents } from '../test/helpers';

const opts = new Command()
  .option('--events <n>', 'events to produce (WMO chain cases of about 30 events)', '100000')
  .option('--limit <n>', 'feed page size', '1000')
  .option('--keep', 'keep the database and topics afterwards', false)
  .parse()
  .opts<{ events: string; limit: string; keep: boolean }>();

const run = `feedbench${Date.now().toString(36)}`;
const dbUrl = `postgres://postgres@127.0.0.1:5432/${run}`;
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
await ensureDatabase(dbUrl);
const db = createDatabase<unknown>({ url: dbUrl, maxConnections: 10, applicationName: 'feed-bench' });
const kafka = createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'feed-bench' });
const topics: string[] = [];
const topic = (name: string) => {
  const t = `${run}.${name}`;
  topics.push(t);
  return t;
};

try {
  const target = Number(opts.events);
  const events: KetenEvent[] = [];
  while (events.length < target) events.push(...wmoLifecycle(newCaseId()));
  const p = await startProjection({ kafka, db, url: dbUrl, prefix: run, topic });
  const publisher = await createPublisher(kafka);
  const t0 = performance.now();
  await publishEvents(publisher, p.topics.wmo, events);
  await publisher.close();
  const produced = performance.now();
  for (;;) {
    const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${p.base}.timeline`)}`.execute(
      db,
    );
    if (Number(r.rows[0]?.n) >= events.length) break;
    await new Promise((r2) => setTimeout(r2, 500));
  }
  const projected = performance.now();
  const rows = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${p.base}.feed`)}`.execute(db);

  const gemeente = p.addSystem(
    'gemeente',
    ['gemeente'],
    eventTypes.filter((t) => mayConsume(t, 'gemeente')),
  );
  const limit = Number(opts.limit);
  // Feed, over HTTP.
  let received = 0;
  let cursor: string | undefined;
  const f0 = performance.now();
  for (;;) {
    const q = new URLSearchParams({ limit: String(limit), ...(cursor ? { after: cursor } : {}) });
    const res = await p.get(`/feeds/${gemeente.id}/events?${q}`, gemeente.token);
    if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${JSON.stringify(res.body)}`);
    received += res.body.items.length;
    cursor = res.body.cursor;
    if (!res.body.more) break;
  }
  const feedS = (performance.now() - f0) / 1000;

  // Baseline: the same number of events in keyset pages straight from the timeline.
  let read = 0;
  let after: { topic: string; partitie: number; kafka_offset: string } | undefined;
  const b0 = performance.now();
  while (read < received) {
    const page = await sql<{ topic: string; partitie: number; kafka_offset: string; event: string }>`
      select f.topic, f.partitie, f.kafka_offset::text as kafka_offset, t.event::text as event
      from ${sql.table(`${p.base}.feed`)} f
      join ${sql.table(`${p.base}.timeline`)} t on t.source = f.source and t.event_id = f.event_id
      ${after ? sql`where (f.topic, f.partitie, f.kafka_offset) > (${after.topic}, ${after.partitie}, ${after.kafka_offset}::bigint)` : sql``}
      order by f.topic, f.partitie, f.kafka_offset limit ${limit}`.execute(db);
    if (page.rows.length === 0) break;
    read += page.rows.length;
    after = page.rows[page.rows.length - 1];
  }
  const baseS = (performance.now() - b0) / 1000;
  await p.close();

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(
    `events: ${fmt(events.length)} in ${fmt(events.length / 30)} WMO chain cases; produce ${((produced - t0) / 1000).toFixed(1)} s, project ${((projected - produced) / 1000).toFixed(1)} s (${fmt(events.length / ((projected - produced) / 1000))} events/s, ${fmt(Number(rows.rows[0]?.n))} feed rows)`,
  );
  console.log(
    `feed (one reader, pages of ${limit}, HTTP): ${fmt(received)} events in ${feedS.toFixed(2)} s = ${fmt(received / feedS)} events/s (target 20,000)`,
  );
  console.log(
    `baseline (keyset pages of ${limit} in log order, SQL only): ${fmt(read)} events in ${baseS.toFixed(2)} s = ${fmt(read / baseS)} events/s`,
  );
  console.log(`ratio feed / baseline: ${((received / feedS / (read / baseS)) * 100).toFixed(1)}%`);
  reportBench('feed', [
    {
      figure: `catch-up feed, one reader, pages of ${limit}`,
      value: received / feedS,
      unit: 'events/s',
      better: 'higher',
      baseline: { name: 'keyset pages in log order (SQL only)', value: read / baseS, unit: 'events/s' },
      target: 20_000,
    },
  ]);
} finally {
  await db.destroy();
  if (opts.keep) console.log(`kept database ${run}`);
  else {
    await dropDatabase(dbUrl).catch(() => undefined);
    await deleteTopics(kafka, topics).catch(() => undefined);
  }
}
