import { checkKafkaSecurityEnv, kafkaSecurityEnv } from '@ketenhub/kafka';
import { authEnv, commonEnv, hubEnv } from '@ketenhub/service';
import { z } from 'zod';

/**
 * The gateway's configuration, parsed once per process: by src/index.ts from process.env, by the
 * test harness from its own map.
 */
export const gatewayEnv = commonEnv
  .extend(authEnv.shape)
  .extend(kafkaSecurityEnv.shape)
  .extend({
    /** HTTP port of the ingest API. */
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Interface to bind; 0.0.0.0 in a container. */
    GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
    /** How long an accepted event may wait for Kafka's acks=all before the caller gets 503 + Retry-After. */
    GATEWAY_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** Retry-After (seconds) sent with 503 when Kafka does not confirm. */
    GATEWAY_RETRY_AFTER_S: z.coerce.number().int().min(1).default(2),
    /** Sustained events per second per system (token bucket refill rate). */
    GATEWAY_RATE_LIMIT_PER_S: z.coerce.number().positive().default(1_000),
    /** Bucket size: events a system may send at once after being idle. At least the batch maximum. */
    GATEWAY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(5_000),
    /** Most events in one `application/cloudevents-batch+json` request. */
    GATEWAY_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(10_000).default(1_000),
    /** Most bytes of one batch request body (each event is still limited to 64 KB). */
    GATEWAY_MAX_BATCH_BYTES: z.coerce
      .number()
      .int()
      .min(65_536)
      .default(16 * 1024 * 1024),
    /** Most events one Kafka write combines across concurrent requests (micro-batching). */
    GATEWAY_PUBLISH_BATCH_MAX: z.coerce.number().int().min(1).default(2_000),
    /**
     * Flushes (idempotency inserts) in flight at once; each one takes every event that arrived
     * meanwhile, and their Kafka writes are merged separately. 1 by default: single-event POSTs
     * then share a flush, one PostgreSQL transaction and one Kafka request with the requests that
     * arrived during the previous one (measured with 24 clients: 85-97 µs of PostgreSQL CPU per
     * request instead of 145-159 with 4, 2.4-3.4k requests/s instead of 2.2-2.5k; batches unchanged).
     */
    GATEWAY_PUBLISH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /**
     * Worker threads that check batch bodies of 16 KiB and more (JSON parsing, the contract,
     * serialization, hashing); 0 checks everything in the request thread. Under batch load that
     * thread is the bottleneck, and one check thread takes about half of its work per event (see
     * the README's Performance section). More than one helps only where more cores are free.
     */
    GATEWAY_CHECK_THREADS: z.coerce.number().int().min(0).max(16).default(1),
    /** Consume `ingress.<systemId>` topics of Kafka-native systems. */
    GATEWAY_INGRESS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Serve /asyncapi/<domain> and /docs without a token (they describe the contract, no data). */
    GATEWAY_PUBLIC_CONTRACT: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /**
     * Kafka client library of the gateway's producer (consumers stay on kafkajs). Unset: the
     * adapter's default (packages/kafka/PRODUCER.md has the measurements behind it).
     */
    GATEWAY_KAFKA_PRODUCER: z.enum(['kafkajs', 'platformatic']).optional(),
    /**
     * Level of the access log line of `POST /events`, the hot path (other routes log at info). At
     * thousands of requests per second one line each is a real cost: `debug` keeps them out of an
     * info log; errors and refusals worth a look are logged on their own.
     */
    GATEWAY_ACCESS_LOG_LEVEL: z.enum(['silent', 'trace', 'debug', 'info']).default('info'),
    /** The hub's OIN, one value for every service: its own events act in the role `ketenhub`. */
    KETENHUB_HUB_OIN: hubEnv.shape.KETENHUB_HUB_OIN,
    /**
     * Kafka session timeout of the case-book consumer (group `<prefix>gateway-access`). A gateway
     * killed with -9 leaves its member behind, and the next instance's join waits until the broker
     * expires it: the new instance listens only after that (measured by the fault suite, docs/faults.md:
     * 29-30 s to ready with the former fixed 30 s, 10-12 s with 10 s). Lower means a faster restart
     * after a crash; the consumer heartbeats every 3 s, and the broker's
     * group.min.session.timeout.ms (6 s by default) is the floor.
     */
    GATEWAY_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
    /** PostgreSQL pool size; the idempotency writes are batched, so few connections suffice. */
    GATEWAY_DB_POOL: z.coerce.number().int().min(2).default(8),
  })
  .superRefine((env, ctx) => {
    checkKafkaSecurityEnv(env, ctx);
    if (env.GATEWAY_RATE_LIMIT_BURST < env.GATEWAY_MAX_BATCH_EVENTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['GATEWAY_RATE_LIMIT_BURST'],
        message: 'must be at least GATEWAY_MAX_BATCH_EVENTS, or a full batch could never pass',
      });
    }
  });
export type GatewayEnv = z.infer<typeof gatewayEnv>;
