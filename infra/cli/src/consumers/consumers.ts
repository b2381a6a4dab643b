import { sql } from 'kysely';
import type { Context } from '../context';
import { UsageError } from '../errors';
import type { ServiceName } from '../http';
import { consumerNames } from './names';

/**
 * The hub's consumers whose positions live in PostgreSQL, next to their effects
 * (`<schema>.consumer_positions`, packages/db/src/positions.ts), named the way an operator says them.
 * Their group ids are the services' own defaults and rules (services/<name>/src/index.ts): the
 * positions are stored under the group id, so a wrong group here would show a consumer that never ran.
 */
export interface ConsumerSpec {
  /** `gateway`, `projection`, `dispatcher`, `projection-v<N>`, `gateway-ingress.<systemId>`. */
  name: string;
  description: string;
  /** Whose `/health/ready` says the consumer is running. */
  service: ServiceName;
  schema: string;
  group: string;
  topics: string[];
}

export interface ConsumerProblem {
  name: string;
  error: string;
}

interface VersionRow {
  versie: number;
  schema_naam: string;
  group_id: string;
  status: 'bouwen' | 'actief' | 'oud';
}

const gatewaySchema = 'gateway';
const dispatcherSchema = 'dispatcher';

export async function tableExists(ctx: Context, table: string): Promise<boolean> {
  const r = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(ctx.db);
  return r.rows[0]?.t !== null && r.rows[0]?.t !== undefined;
}

async function projectionVersions(ctx: Context): Promise<VersionRow[] | null> {
  const base = ctx.env.PROJECTION_SCHEMA;
  if (!(await tableExists(ctx, `${base}.versions`))) return null;
  const r = await sql<VersionRow>`
    select versie, schema_naam, group_id, status from ${sql.table(`${base}.versions`)} order by versie`.execute(
    ctx.db,
  );
  return r.rows;
}

function projectionConsumer(ctx: Context, v: VersionRow, name: string): ConsumerSpec {
  return {
    name,
    description: `projection version ${v.versie} (${v.status}), schema ${v.schema_naam}`,
    service: 'projection',
    schema: v.schema_naam,
    group: v.group_id,
    topics: ctx.domainTopics,
  };
}

function gatewayConsumer(ctx: Context): ConsumerSpec {
  return {
    name: 'gateway',
    description: "the gateway's case-access consumer (who may publish what)",
    service: 'gateway',
    schema: gatewaySchema,
    group: `${ctx.env.KAFKA_TOPIC_PREFIX}gateway-access`,
    topics: ctx.domainTopics,
  };
}

function dispatcherConsumer(ctx: Context): ConsumerSpec {
  return {
    name: 'dispatcher',
    description: "the dispatcher's fan-out into the webhook outbox",
    service: 'dispatcher',
    schema: dispatcherSchema,
    group: `${ctx.env.KAFKA_TOPIC_PREFIX}${ctx.env.DISPATCHER_GROUP_ID}`,
    topics: ctx.domainTopics,
  };
}

function ingressConsumer(ctx: Context, systemId: string): ConsumerSpec {
  const prefix = ctx.env.KAFKA_TOPIC_PREFIX;
  return {
    name: `gateway-ingress.${systemId}`,
    description: `the gateway's ingress of Kafka-native system ${systemId}`,
    service: 'gateway',
    schema: gatewaySchema,
    group: `${prefix}gateway-ingress.${systemId}`,
    topics: [`${prefix}ingress.${systemId}`],
  };
}

/**
 * Every consumer worth watching: the three of the domain topics (the projection's as its active
 * version, plus a version being built), and the gateway's ingress consumers that stored a position.
 * A service that never ran has no schema yet: it is reported as a problem, not as lag.
 */
export async function listConsumers(
  ctx: Context,
): Promise<{ consumers: ConsumerSpec[]; problems: ConsumerProblem[] }> {
  const consumers: ConsumerSpec[] = [];
  const problems: ConsumerProblem[] = [];

  if (await tableExists(ctx, `${gatewaySchema}.consumer_positions`)) {
    consumers.push(gatewayConsumer(ctx));
    const ingressGroup = `${ctx.env.KAFKA_TOPIC_PREFIX}gateway-ingress.`;
    const r = await sql<{ group_id: string }>`
      select distinct group_id from gateway.consumer_positions
      where starts_with(group_id, ${ingressGroup}) order by group_id`.execute(ctx.db);
    for (const row of r.rows) consumers.push(ingressConsumer(ctx, row.group_id.slice(ingressGroup.length)));
  } else {
    problems.push({ name: 'gateway', error: 'no gateway.consumer_positions: the gateway has not run here' });
  }

  const versions = await projectionVersions(ctx);
  const active = versions?.find((v) => v.status === 'actief');
  if (!versions || !active) {
    problems.push({
      name: 'projection',
      error: `no active version in ${ctx.env.PROJECTION_SCHEMA}.versions: the projection has not run here`,
    });
  } else {
    consumers.push(projectionConsumer(ctx, active, 'projection'));
  }
  for (const v of versions ?? []) {
    if (v.status === 'bouwen') consumers.push(projectionConsumer(ctx, v, `projection-v${v.versie}`));
  }

  if (await tableExists(ctx, `${dispatcherSchema}.consumer_positions`))
    consumers.push(dispatcherConsumer(ctx));
  else
    problems.push({
      name: 'dispatcher',
      error: 'no dispatcher.consumer_positions: the dispatcher has not run here',
    });

  return { consumers, problems };
}

/** The consumer an operator named; a name that is no consumer is bad usage (exit 2). */
export async function findConsumer(ctx: Context, name: string): Promise<ConsumerSpec> {
  const missing = (why: string) => new UsageError(`consumer ${name}: ${why}`);
  if (name === 'gateway' || name === 'dispatcher') {
    const schema = name === 'gateway' ? gatewaySchema : dispatcherSchema;
    if (!(await tableExists(ctx, `${schema}.consumer_positions`))) {
      throw missing(`no ${schema}.consumer_positions: the ${name} has not run against this database`);
    }
    return name === 'gateway' ? gatewayConsumer(ctx) : dispatcherConsumer(ctx);
  }
  const ingress = /^gateway-ingress\.([0-9a-f-]{36})$/.exec(name);
  if (ingress) {
    if (!(await tableExists(ctx, `${gatewaySchema}.consumer_positions`))) {
      throw missing('no gateway.consumer_positions: the gateway has not run against this database');
    }
    return ingressConsumer(ctx, ingress[1] as string);
  }
  const version = /^projection(?:-v(\d+))?$/.exec(name);
  if (version) {
    const versions = await projectionVersions(ctx);
    if (!versions) throw missing(`no ${ctx.env.PROJECTION_SCHEMA}.versions: the projection has not run here`);
    const wanted = version[1] === undefined ? undefined : Number(version[1]);
    const v = versions.find((r) => (wanted === undefined ? r.status === 'actief' : r.versie === wanted));
    if (!v) {
      throw missing(
        `no such projection version (there are: ${versions.map((r) => `v${r.versie} ${r.status}`).join(', ') || 'none'})`,
      );
    }
    return projectionConsumer(ctx, v, name);
  }
  throw new UsageError(`unknown consumer ${name}; consumers are ${consumerNames}`);
}
