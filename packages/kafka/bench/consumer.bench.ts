/**
 * Consumer benchmark: should consumers (and admin) stay on kafkajs 2.2.4, unmaintained since 2023,
 * or move to @platformatic/kafka, which the producer already uses? Not a test:
 * `npm run bench:consumer -w @ketenhub/kafka`.
 *
 * One topic of 6 partitions holds BENCH_RECORDS records like the gateway writes (1 KiB values,
 * chain-case keys, structured-mode `ce_*` headers). Each consumer reads all of them from the start
 * in a fresh group, in a process of its own (kafkajs' decoder is patched per process), turning
 * keys and headers into strings as the adapter does; measured from the first record to the last,
 * so the group join is not counted (as ConsumerPerformance's fetch.nMsg.sec):
 * - baseline: Kafka's own ConsumerPerformance (Java), same topic, same run;
 * - the adapter (`runConsumer`: kafkajs with our record decoder, kafkajs-records.ts);
 * - kafkajs with its own decoder;
 * - @platformatic/kafka 1.34's consumer stream.
 * Settings: BENCH_RECORDS (300000), BENCH_ROUNDS (2), KAFKA_BROKERS. Local broker only; the topic
 * is deleted at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { type BenchFigure, consumerPerformance, gatewayLikeRecords, reportBench } from '../src/testing/index';

// Loaded on use only: loading the adapter replaces kafkajs' record decoder in this process, and the
// `kafkajs` variant must run with the library's own.
const adapter = () => import('../src/index');

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const total = Number(process.env.BENCH_RECORDS ?? 300_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const variants = ['adapter', 'kafkajs', 'platformatic'] as const;
type Variant = (typeof variants)[number];
const labels: Record<Variant, string> = {
  adapter: 'the adapter (kafkajs + our decoder)',
  kafkajs: 'kafkajs 2.2.4, its own decoder',
  platformatic: '@platformatic/kafka 1.34 consumer',
};

interface Measured {
  perS: number;
  cpuUsPerRecord: number;
  count: number;
}

/** What every variant does per record, as the adapter's ConsumedRecord: strings for key and headers. */
function touch(key: Buffer | string | null | undefined, headerPairs: Iterable<[unknown, unknown]>): number {
  let n = typeof key === 'string' ? key.length : (key?.toString().length ?? 0);
  for (const [name, value] of headerPairs) n += String(name).length + String(value).length;
  return n;
}

async function consumeOnce(variant: Variant, topic: string): Promise<Measured> {
  let count = 0;
  let sink = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  const first = () => {
    if (t0 === 0) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
  };
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const groupId = `bench-consumer-${variant}-${randomUUID()}`;
  let stop: () => Promise<void>;
  if (variant === 'adapter') {
    const { createKafkaClient, runConsumer } = await adapter();
    const client = createKafkaClient({ brokers, clientId: 'bench-consumer' });
    const running = await runConsumer(client, {
      groupId,
      topics: [topic],
      maxBytesPerPartition: 2 * 1024 * 1024,
      partitionsConcurrently: 6,
      handleBatch: async (batch) => {
        first();
        for (const r of batch.records) sink += touch(r.key, Object.entries(r.headers));
        count += batch.records.length;
        if (count >= total) finish();
        return { type: 'ack' };
      },
    });
    stop = () => running.stop();
  } else if (variant === 'kafkajs') {
    const kafka = new Kafka({ brokers, clientId: 'bench-consumer', logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 2 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        first();
        for (const m of batch.messages) {
          const headers: [string, string][] = [];
          for (const name in m.headers) headers.push([name, String(m.headers[name])]);
          sink += touch(m.key, headers);
        }
        count += batch.messages.length;
        if (count >= total) finish();
      },
    });
    stop = () => consumer.disconnect();
  } else {
    const consumer = new PlatformaticConsumer({
      clientId: 'bench-consumer',
      bootstrapBrokers: brokers,
      groupId,
      maxBytes: 2 * 1024 * 1024,
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    stream.on('data', (m) => {
      first();
      sink += touch(m.key as Buffer, m.headers as Map<unknown, unknown>);
      count++;
      if (count >= total) finish();
    });
    stop = async () => {
      await stream.close();
      await consumer.close(true);
    };
  }
  const limit = setTimeout(() => finish(), 180_000);
  await done;
  clearTimeout(limit);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await stop().catch(() => undefined);
  if (sink < 0) console.log(sink);
  return { perS: count / seconds, cpuUsPerRecord: (cpu.user + cpu.system) / count, count };
}

/** Runs one variant in a fresh process: each library (and each decoder) loads on its own. */
function child(variant: Variant, topic: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_CHILD: variant, BENCH_TOPIC: topic },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.once('error', reject);
    p.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Measured)
        : reject(new Error(`${variant} exited ${code}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main() {
  const { createKafkaClient, createPublisher, deleteTopics, ensureTopics } = await adapter();
  const topic = `bench-consumer-${randomBytes(3).toString('hex')}`;
  const client = createKafkaClient({ brokers, clientId: 'bench-consumer-admin' });
  await ensureTopics(client, [{ name: topic, partitions: 6 }]);
  try {
    const publisher = await createPublisher(client);
    const all = gatewayLikeRecords(topic, total);
    for (let i = 0; i < total; i += 1000) await publisher.publish(all.slice(i, i + 1000));
    await publisher.close();
    console.log(`consumer benchmark: ${total} records of 1 KiB in 6 partitions, ${rounds} rounds`);
    const base: number[] = [];
    const results = new Map<Variant, Measured[]>();
    for (let round = 0; round < rounds; round++) {
      base.push((await consumerPerformance({ brokers, topic, records: total })).recordsPerSecond);
      console.log(
        `  round ${round + 1} ConsumerPerformance (Java)   ${Math.round(base.at(-1) ?? 0)} records/s`,
      );
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
        const m = await child(v, topic);
        console.log(
          `  round ${round + 1} ${v.padEnd(26)} ${Math.round(m.perS)} records/s, ${m.cpuUsPerRecord.toFixed(1)} µs CPU/record (${m.count} read)`,
        );
        results.set(v, [...(results.get(v) ?? []), m]);
      }
    }
    const baseline = { name: 'Kafka ConsumerPerformance', value: median(base), unit: 'records/s' };
    console.log(`\nresults (median of rounds), baseline ${Math.round(baseline.value)} records/s`);
    const figures: BenchFigure[] = [];
    for (const v of variants) {
      const ms = results.get(v) ?? [];
      const perS = median(ms.map((m) => m.perS));
      const cpu = median(ms.map((m) => m.cpuUsPerRecord));
      const complete = ms.every((m) => m.count >= total);
      console.log(
        `  ${labels[v].padEnd(38)} ${String(Math.round(perS)).padStart(7)} records/s ${((perS / baseline.value) * 100).toFixed(0).padStart(4)}% of baseline  ${cpu.toFixed(1)} µs CPU/record${complete ? '' : '  INCOMPLETE'}`,
      );
      figures.push({
        figure: `consume, ${labels[v]}`,
        value: perS,
        unit: 'records/s',
        better: 'higher',
        baseline,
      });
    }
    reportBench('consumer', figures);
  } finally {
    await deleteTopics(client, [topic]).catch(() => undefined);
  }
}

const variant = process.env.BENCH_CHILD as Variant | undefined;
if (variant) {
  consumeOnce(variant, process.env.BENCH_TOPIC ?? '').then(
    (m) => {
      process.stdout.write(`${JSON.stringify(m)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
