import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { migrateToLatest } from '@ketenhub/db';
import type { SystemRecord } from '@ketenhub/directory';
import { SystemDirectory } from '@ketenhub/directory';
import { caseDomains, sourceFor } from '@ketenhub/events';
import {
  ack,
  type ConsumedRecord,
  caseEventTopic,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  type Publisher,
  runConsumer,
  topicOffsets,
} from '@ketenhub/kafka';
import {
  closeServer,
  createCaseWorkerVerifier,
  createLogger,
  createMetrics,
  listen,
} from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { createRequestListener, createServer, type GatewayDeps } from '../src/app';
import { createAuthenticator } from '../src/auth/authenticate';
import { CaseBook } from '../src/cases/case-book';
import { type CaseNotices, startCaseNotices } from '../src/cases/case-notices';
import { type CasesWorker, startCasesWorker } from '../src/cases/cases.worker';
import type { GatewayDatabase } from '../src/db';
import { Acceptor } from '../src/ingest/acceptor';
import { CheckPool } from '../src/ingest/check-pool';
import { createIngest } from '../src/ingest/ingest';
import { gatewayMigrations, gatewaySchema } from '../src/migrations';
import { RateLimiter } from '../src/ratelimit/token-bucket';

/** A fresh chain case id. */
export function newCaseId(): string {
  return randomUUID();
}

export const devSecret = 'test-dev-secret-of-at-least-32-characters!';

export interface TestSystem {
  id: string;
  token: string;
  source: string;
  oin: string;
  record: SystemRecord;
}

/** Puts a system straight into the directory, as a record from the registry's topic would. */
export function addSystem(
  directory: SystemDirectory,
  spec: {
    oin: string;
    name: string;
    roles: string[];
    domains: string[];
    publishes: string[];
    kafkaNative?: boolean;
  },
): TestSystem {
  const token = `khs_${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  const record: SystemRecord = {
    version: 1,
    id,
    oin: spec.oin,
    name: spec.name,
    source: sourceFor(spec.oin, spec.name),
    roles: spec.roles,
    domains: spec.domains,
    publishes: spec.publishes,
    consumes: [],
    kafkaNative: spec.kafkaNative ?? false,
    tokenSha256: createHash('sha256').update(token).digest('hex'),
    revoked: false,
    updatedAt: new Date().toISOString(),
  };
  directory.apply(record);
  return { id, token, source: record.source, oin: spec.oin, record };
}

export interface TestGateway {
  url: string;
  directory: SystemDirectory;
  caseBook: CaseBook;
  acceptor: Acceptor;
  publisher: Publisher;
  ingest: ReturnType<typeof createIngest>;
  domainTopic: (d: string) => string;
  checkPool: CheckPool | undefined;
  notices: CaseNotices;
  /** The cases consumer, when started (option `casesWorker`). */
  casesWorker: CasesWorker | undefined;
  close(): Promise<void>;
}

/** The example hub's OIN, as KETENHUB_HUB_OIN defaults to. */
export const hubOin = '00000099900000009000';

/** A gateway in-process on a free port, over the test's Kafka and database, topics under `prefix`. */
export async function startGateway(options: {
  kafka: KafkaClient;
  db: Kysely<unknown>;
  /** The URL of `db`: the LISTEN connection of the case notices is its own. */
  databaseUrl: string;
  prefix: string;
  /** The test's topic namer, so the domain topics are deleted after the test. */
  topic?: (name: string) => string;
  publishTimeoutMs?: number;
  /** Fixed port; default a free one. */
  port?: number;
  ratePerS?: number;
  burst?: number;
  markDelayMs?: number;
  /** Check threads for batch bodies (default 1, as src/index.ts); 0 checks in the request thread. */
  checkThreads?: number;
  /**
   * Start the cases consumer (its thread), as src/index.ts does, in this consumer group; instances
   * of one test share it as instances of one hub do.
   */
  casesWorker?: { groupId: string; brokers: string };
}): Promise<TestGateway> {
  const db = options.db as Kysely<GatewayDatabase>;
  await migrateToLatest(options.db, gatewayMigrations, { schema: gatewaySchema });
  const domainTopic = (d: string) => (options.topic ? options.topic(d) : `${options.prefix}.${d}`);
  await ensureTopics(
    options.kafka,
    caseDomains.map((d) => caseEventTopic(domainTopic(d), 3)),
  );
  const logger = createLogger({ service: 'gateway-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const metrics = createMetrics('gateway');
  const publisher = await createPublisher(options.kafka);
  const directory = new SystemDirectory();
  const notices = startCaseNotices({
    url: options.databaseUrl,
    logger,
    onNotice: (origin, ids) => caseBook.noticed(origin, ids),
    onLost: () => caseBook.clear(),
  });
  const caseBook = new CaseBook(db, {
    ctx: { hubOin },
    live: () => notices.isConnected(),
    origin: randomUUID(),
  });
  // As src/index.ts: answers wait for the LISTEN connection only in that caching is off until then.
  const deadline = Date.now() + 10_000;
  while (!notices.isConnected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const acceptor = new Acceptor({
    db,
    publisher,
    caseBook,
    logger,
    publishTimeoutMs: options.publishTimeoutMs ?? 5_000,
    maxBatch: 2_000,
    concurrency: 4,
    ...(options.markDelayMs === undefined ? {} : { markDelayMs: options.markDelayMs }),
  });
  const ingest = createIngest({ caseBook, acceptor, directory, hubOin, domainTopic, retryAfterS: 1 });
  const casesWorker = options.casesWorker
    ? await startCasesWorker({
        config: {
          databaseUrl: options.databaseUrl,
          brokers: options.casesWorker.brokers,
          topics: caseDomains.map(domainTopic),
          groupId: options.casesWorker.groupId,
          logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
        },
        logger,
        metrics,
      })
    : undefined;
  const threads = options.checkThreads ?? 1;
  // Every batch goes through the threads here (minBytes 0), not only large ones.
  const checkPool = threads > 0 ? await CheckPool.start({ threads, logger, minBytes: 0 }) : undefined;
  const caseWorkers = createCaseWorkerVerifier([
    {
      issuer: 'urn:ketenhub:dev-issuer',
      audience: 'ketenhub',
      secret: devSecret,
      oinPattern: '00000099\\d{12}',
    },
  ]);
  const deps: GatewayDeps = {
    logger,
    metrics,
    authenticate: createAuthenticator(directory, caseWorkers),
    ingest,
    rateLimiter: new RateLimiter(options.ratePerS ?? 10_000, options.burst ?? 10_000),
    maxBatchEvents: 1_000,
    ...(checkPool ? { checkPool } : {}),
  };
  // As src/index.ts serves: POST /events on the node:http fast path, the rest through express.
  const { server, port }: { server: Server; port: number } = await listen(
    createRequestListener(createServer(deps), deps),
    options.port ?? 0,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    directory,
    caseBook,
    acceptor,
    publisher,
    ingest,
    domainTopic,
    checkPool,
    notices,
    casesWorker,
    async close() {
      await closeServer(server);
      await checkPool?.close();
      await acceptor.close(2_000);
      await publisher.close();
      await casesWorker?.stop();
      await notices.close();
    },
  };
}

/** Every record of `topic` (reads up to the end offsets seen now). */
export async function readTopic(
  kafka: KafkaClient,
  topic: string,
  groupId: string,
): Promise<ConsumedRecord[]> {
  const offsets = await topicOffsets(kafka, topic);
  const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  if (total === 0) return [];
  const records: ConsumedRecord[] = [];
  const consumer = await runConsumer(kafka, {
    groupId,
    topics: [topic],
    handleBatch: async (batch) => {
      records.push(...batch.records);
      return ack();
    },
  });
  const deadline = Date.now() + 30_000;
  while (records.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.stop();
  return records;
}

export async function post(
  url: string,
  token: string | undefined,
  body: unknown,
  contentType = 'application/cloudevents+json',
) {
  const res = await fetch(`${url}/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON answers
    body: text ? (JSON.parse(text) as Record<string, any>) : {},
  };
}
