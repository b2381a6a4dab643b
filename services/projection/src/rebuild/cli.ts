import { createDatabase, ensureDatabase } from '@ketenhub/db';
import { createKafkaClient, kafkaSettingsFromEnv, parseBrokers } from '@ketenhub/kafka';
import { createLogger } from '@ketenhub/service';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { projectedTopics } from '../consumer/consumer';
import { loadProjectionEnv } from '../env';
import { migrateBase } from '../versions/versions';
import { rebuild } from './rebuild';

/**
 * `npm run rebuild -w @ketenhub/projection [-- --drop-old]`: builds a new projection version from
 * the start of the topics next to the serving one and switches reads once caught up. Uses the
 * same environment as the service (DATABASE_URL, KAFKA_*, PROJECTION_*).
 */
const program = new Command()
  .name('rebuild')
  .description('Rebuild the projection into a new version schema and switch reads atomically once caught up')
  .option('--drop-old', 'drop the replaced version(s) after the switch', false)
  .option('--no-switch', 'build the new version but leave reads on the current one')
  .option('--max-lag <records>', 'switch when at most this many records remain', '0')
  .parse();

const opts = program.opts<{ dropOld: boolean; switch: boolean; maxLag: string }>();
const env = loadProjectionEnv();
const logger = createLogger({
  service: 'projection-rebuild',
  level: process.stderr.isTTY ? 'warn' : env.LOG_LEVEL,
});

await ensureDatabase(env.DATABASE_URL);
const db = createDatabase<unknown>({
  url: env.DATABASE_URL,
  maxConnections: 6,
  applicationName: 'ketenhub-projection-rebuild',
});
const kafka = createKafkaClient({
  brokers: parseBrokers(env.KAFKA_BROKERS),
  ...kafkaSettingsFromEnv(env),
  clientId: 'ketenhub-projection-rebuild',
});
const bar = new SingleBar(
  {
    format: 'rebuild |{bar}| {percentage}% | {value}/{total} events | {rate} ev/s | lag {lag}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2_000,
  },
  Presets.shades_classic,
);
let started = false;
const t0 = Date.now();
try {
  await migrateBase(db, env.PROJECTION_SCHEMA);
  const result = await rebuild({
    db,
    kafka,
    schema: env.PROJECTION_SCHEMA,
    groupBase: env.PROJECTION_GROUP_ID,
    topics: Object.values(projectedTopics(env.KAFKA_TOPIC_PREFIX)),
    ctx: { hubOin: env.KETENHUB_HUB_OIN },
    logger,
    dropOld: opts.dropOld,
    activate: opts.switch,
    maxLagToSwitch: Number(opts.maxLag),
    partitionsConcurrently: env.PROJECTION_PARTITIONS_CONCURRENTLY,
    sessionTimeoutMs: env.PROJECTION_SESSION_TIMEOUT_MS,
    onProgress: (p) => {
      const rate = Math.round(p.done / Math.max(0.001, (Date.now() - t0) / 1000));
      if (!started) {
        bar.start(p.total, p.done, { rate, lag: p.lag });
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.done, { rate, lag: p.lag });
      }
    },
  });
  bar.stop();
  process.stdout.write(
    `${JSON.stringify({
      version: result.version.versie,
      schema: result.version.schema,
      switched: opts.switch,
      previous: result.previous?.versie ?? null,
      dropped: result.dropped,
      groupsLeft: result.groupsLeft,
      events: result.events,
      cases: result.cases,
      checksum: result.checksum,
      seconds: result.seconds,
    })}\n`,
  );
} catch (error) {
  bar.stop();
  logger.error({ err: error }, 'rebuild failed');
  process.exitCode = 1;
} finally {
  await db.destroy();
}
