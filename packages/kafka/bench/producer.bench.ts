/**
 * Producer benchmark (a script, not a test): `npm run bench:producer -w @ketenhub/kafka`.
 *
 * The adapter's `Publisher` on kafkajs and on @platformatic/kafka (with our Produce encoder, the
 * default, and with the library's own), on the same records (1 KiB values,
 * chain-case keys, the gateway's `content-type` and `ce_*` headers), against Kafka's own
 * ProducerPerformance (1 KiB, acks=all) in the same run. Publishes the way the gateway does: chunks
 * of about 900 KB, one write in flight (see services/gateway/src/ingest/accept/publish-merger.ts). The
 * libraries take turns for BENCH_ROUNDS rounds so background load hits both alike; records/s is
 * the median per library, CPU µs/record is this process's user+system time per record.
 *
 * Settings (environment): BENCH_RECORDS (100000 per library and round), BENCH_ROUNDS (3),
 * BENCH_CHUNK (800 records per publish), BENCH_BASELINE_RECORDS (200000, 0 skips it), KAFKA_BROKERS.
 */
import { randomBytes } from 'node:crypto';
import {
  createKafkaClient,
  createPublisher,
  deleteTopics,
  ensureTopics,
  parseBrokers,
  topicOffsets,
} from '../src/index';
import { type BenchFigure, gatewayLikeRecords, producerPerformance, reportBench } from '../src/testing/index';

const brokers = parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
const recordsPerRound = Number(process.env.BENCH_RECORDS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const chunk = Number(process.env.BENCH_CHUNK ?? 800);
const baselineRecords = Number(process.env.BENCH_BASELINE_RECORDS ?? 200_000);
const partitions = 6;
const prefix = `bench-producer-${randomBytes(3).toString('hex')}.`;

async function baseline(topic: string): Promise<number> {
  const { recordsPerSecond } = await producerPerformance({ brokers, topic, records: baselineRecords });
  return recordsPerSecond;
}

/** The publishers compared: a library, and for @platformatic/kafka which Produce encoder. */
const variants = {
  kafkajs: { producer: 'kafkajs', encoder: 'lean' },
  platformatic: { producer: 'platformatic', encoder: 'lean' },
  'platformatic-own-encoder': { producer: 'platformatic', encoder: 'library' },
} as const;
type Variant = keyof typeof variants;

async function measure(variant: Variant, topic: string) {
  const { producer, encoder } = variants[variant];
  const client = createKafkaClient({ brokers, clientId: `bench-${variant}`, producer });
  const publisher = await createPublisher(client, { produceEncoder: encoder });
  const batch = gatewayLikeRecords(topic, recordsPerRound);
  // Warm-up: connection, metadata, producer id, JIT.
  await publisher.publish(batch.slice(0, chunk));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < batch.length; i += chunk) await publisher.publish(batch.slice(i, i + chunk));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await publisher.close();
  return {
    perS: batch.length / seconds,
    cpuUsPerRecord: (cpu.user + cpu.system) / batch.length,
    written: batch.length + chunk,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main() {
  const admin = createKafkaClient({ brokers, clientId: 'bench-admin' });
  const libraries = Object.keys(variants) as Variant[];
  const topics: Record<Variant | 'baseline', string> = {
    baseline: `${prefix}baseline`,
    kafkajs: `${prefix}kafkajs`,
    platformatic: `${prefix}platformatic`,
    'platformatic-own-encoder': `${prefix}platformatic-own`,
  };
  await ensureTopics(
    admin,
    Object.values(topics).map((name) => ({ name, partitions })),
  );
  try {
    console.log(
      `producer benchmark ${prefix}: ${recordsPerRound} records of 1 KiB x ${rounds} rounds per publisher`,
    );
    const base = baselineRecords > 0 ? await baseline(topics.baseline) : Number.NaN;
    console.log(`  ProducerPerformance (acks=all, 1 KiB): ${Math.round(base)} records/s`);
    const results = new Map<Variant, { perS: number; cpuUsPerRecord: number }[]>();
    const written = new Map<Variant, number>();
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first so a burst of background load does not always hit the same one.
      for (const library of round % 2 === 0 ? libraries : [...libraries].reverse()) {
        const r = await measure(library, topics[library]);
        console.log(
          `  round ${round + 1} ${library.padEnd(24)} ${Math.round(r.perS)} records/s, ${r.cpuUsPerRecord.toFixed(1)} µs CPU/record`,
        );
        results.set(library, [...(results.get(library) ?? []), r]);
        written.set(library, (written.get(library) ?? 0) + r.written);
      }
    }
    console.log('\nresults (median of rounds)');
    const figures: BenchFigure[] = [];
    for (const library of libraries) {
      const rs = results.get(library) ?? [];
      const perS = median(rs.map((r) => r.perS));
      figures.push({
        figure: `publish, ${library}${library === 'platformatic' ? ' (the adapter default)' : ''}`,
        value: perS,
        unit: 'records/s',
        better: 'higher',
        baseline: { name: 'Kafka ProducerPerformance', value: base, unit: 'records/s' },
      });
      const inKafka = (await topicOffsets(admin, topics[library])).reduce((s, o) => s + Number(o.high), 0);
      console.log(
        `  ${library.padEnd(24)} ${String(Math.round(perS)).padStart(7)} records/s  ${((perS / base) * 100).toFixed(0).padStart(4)}% of baseline  ${median(rs.map((r) => r.cpuUsPerRecord)).toFixed(1)} µs CPU/record  in Kafka ${inKafka}/${written.get(library)}`,
      );
    }
    reportBench('producer', figures);
  } finally {
    await deleteTopics(admin, Object.values(topics)).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
