import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { accessTypes } from '@ketenhub/access';
import { createDatabase } from '@ketenhub/db';
import {
  createKafkaClient,
  decodeOnlyRecordsWith,
  type KafkaSettings,
  keepConsumerRunning,
  parseBrokers,
  type RestartingConsumer,
} from '@ketenhub/kafka';
import { createLogger, type Logger, type Metrics, startTsWorker } from '@ketenhub/service';
import type { GatewayDatabase } from '../db';
import { startCasesConsumer } from './cases.consumer';

/**
 * The case-book consumer runs in a worker thread. It reads back every record the gateway writes
 * (to learn the few access events among them), and decoding those records took about an
 * eighth of the request thread's time at full load. In its own thread that work runs on the
 * other core; it shares nothing with requests except the database, where the case book looks up
 * what it does not have cached and from where the consumer's notices (NOTIFY) reach the case book
 * of every instance, this one's included.
 */

export interface CasesWorkerConfig {
  databaseUrl: string;
  brokers: string;
  /** SASL/TLS and replication settings (kafkaSettingsFromEnv: plain data, posted to the thread). */
  kafkaSecurity?: Pick<KafkaSettings, 'sasl' | 'tls' | 'replicationFactor' | 'minInsyncReplicas'>;
  topics: string[];
  groupId: string;
  /** Kafka session timeout of the consumer (GATEWAY_SESSION_TIMEOUT_MS). */
  sessionTimeoutMs?: number;
  logLevel: string;
}

type FromWorker =
  | { type: 'started' }
  | { type: 'ready'; ready: boolean }
  | { type: 'lag'; topic: string; partition: number; lag: number }
  | { type: 'consumed'; topic: string; decoded: number; skipped: number }
  | { type: 'stopped'; message: string }
  | { type: 'closed' };

type ToWorker = { type: 'stop' };

export interface CasesWorker {
  /** True once the consumer joined its group, until it stopped. */
  isReady(): boolean;
  /** Why the consumer stopped for good, if it did. */
  failure(): Error | undefined;
  stop(): Promise<void>;
}

const WORKER_KIND = 'ketenhub-gateway-cases';

/** Starts the worker; resolves once its consumer runs (or rejects when it could not start). */
export function startCasesWorker(options: {
  config: CasesWorkerConfig;
  logger: Logger;
  metrics: Metrics;
}): Promise<CasesWorker> {
  const { config, logger, metrics } = options;
  const worker = startTsWorker(new URL(import.meta.url), { kind: WORKER_KIND, config });
  let ready = false;
  let failure: Error | undefined;
  let closed = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    let started = false;
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'started':
          if (!started) {
            started = true;
            resolve(handle);
          } else if (failure) {
            // The thread started its consumer again after it had stopped (restart.ts).
            logger.info({ after: failure.message }, 'cases consumer running again');
            failure = undefined;
          }
          break;
        case 'ready':
          ready = message.ready;
          break;
        case 'lag':
          metrics.consumerLag.set(
            { group: config.groupId, topic: message.topic, partition: String(message.partition) },
            message.lag,
          );
          break;
        case 'consumed':
          // `skipped`: records that change no access state, passed over without decoding.
          if (message.decoded > 0)
            metrics.eventsConsumed.inc(
              { group: config.groupId, topic: message.topic, outcome: 'applied' },
              message.decoded,
            );
          if (message.skipped > 0)
            metrics.eventsConsumed.inc(
              { group: config.groupId, topic: message.topic, outcome: 'skipped' },
              message.skipped,
            );
          break;
        case 'stopped':
          ready = false;
          failure = new Error(message.message);
          logger.error(
            { err: failure },
            started ? 'cases consumer stopped; starting it again' : 'cases consumer stopped',
          );
          if (!started) {
            started = true;
            reject(failure);
          }
          break;
        case 'closed':
          closed = true;
          break;
      }
    });
    worker.on('error', (error) => {
      ready = false;
      failure = error;
      logger.error({ err: error }, 'cases worker failed');
      if (!started) {
        started = true;
        reject(error);
      }
    });
    worker.once('exit', (code) => {
      ready = false;
      if (!closed && !failure) {
        failure = new Error(`cases worker exited with ${code}`);
        logger.error({ err: failure }, 'cases worker exited');
      }
    });

    const handle: CasesWorker = {
      isReady: () => ready && failure === undefined,
      failure: () => failure,
      async stop() {
        ready = false;
        worker.postMessage({ type: 'stop' } satisfies ToWorker);
        const timeout = setTimeout(() => void worker.terminate(), 10_000);
        await exited;
        clearTimeout(timeout);
      },
    };
  });
}

async function runWorker(config: CasesWorkerConfig) {
  const port = parentPort;
  if (!port) return;
  const send = (message: FromWorker) => port.postMessage(message);
  const logger = createLogger({ service: 'gateway', level: config.logLevel }).child({ thread: 'cases' });
  const db = createDatabase<GatewayDatabase>({
    url: config.databaseUrl,
    applicationName: 'ketenhub-gateway-cases',
    maxConnections: 2,
  });
  // This thread runs only this consumer, so its decoder may skip every record that is not an
  // access event: a sixth of the gateway's CPU under batch load went to decoding them in full.
  decodeOnlyRecordsWith('ce_type', accessTypes);
  const kafka = createKafkaClient({
    brokers: parseBrokers(config.brokers),
    ...config.kafkaSecurity,
    clientId: 'ketenhub-gateway-cases',
    logger,
  });
  let kept: RestartingConsumer | undefined;
  // The consumer is ready once it joined its group; the request thread asks for that on every
  // readiness probe, so the state is pushed to it whenever it changes.
  let wasReady = false;
  const readiness = setInterval(() => {
    const now = kept?.current()?.isReady() ?? false;
    if (now !== wasReady) send({ type: 'ready', ready: now });
    wasReady = now;
  }, 200);
  const close = async () => {
    clearInterval(readiness);
    await kept?.stop().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    send({ type: 'closed' });
    port.close();
  };
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') void close();
  });
  try {
    // Started again whenever it stops for good (keepConsumerRunning); unready meanwhile.
    kept = await keepConsumerRunning({
      start: (onStop) =>
        startCasesConsumer({
          kafka,
          db,
          topics: config.topics,
          groupId: config.groupId,
          ...(config.sessionTimeoutMs ? { sessionTimeoutMs: config.sessionTimeoutMs } : {}),
          logger,
          onLag: (topic, partition, lag) => send({ type: 'lag', topic, partition, lag }),
          onConsumed: (topic, decoded, skipped) => send({ type: 'consumed', topic, decoded, skipped }),
          onStop,
        }),
      onStopped: (error) => send({ type: 'stopped', message: error.message }),
      onStarted: () => send({ type: 'started' }),
    });
    send({ type: 'started' });
  } catch (error) {
    send({ type: 'stopped', message: error instanceof Error ? error.message : String(error) });
    await close();
  }
}

const input = (workerData as { data?: { kind?: string; config: CasesWorkerConfig } } | undefined)?.data;
if (!isMainThread && input?.kind === WORKER_KIND) void runWorker(input.config);
