import { deleteConsumerGroup } from '@ketenhub/kafka';
import { type RebuildProgress, type RebuildResult, rebuild } from '@ketenhub/projection/rebuild';
import {
  activateVersion,
  dropVersion,
  listVersions,
  migrateBase,
  type VersionInfo,
  versionGroup,
  versionSchema,
} from '@ketenhub/projection/versions';
import type { ConsumerSpec } from '../consumers/consumers';
import { tableExists } from '../consumers/consumers';
import { offsetsOf, partitionStates } from '../consumers/lag';
import type { Context } from '../context';
import { FailedError, UsageError } from '../errors';

/**
 * The projection's versions under the CLI: the same functions the service and its rebuild script
 * use (services/projection/src/rebuild, versions), so there is one way a version is made, switched
 * and dropped.
 */

export interface VersionLine extends VersionInfo {
  /** Records its consumer has not read yet (a replaced version stopped reading at the switch). */
  lag: number;
}

async function versionsOf(ctx: Context): Promise<VersionInfo[]> {
  if (!(await tableExists(ctx, `${ctx.env.PROJECTION_SCHEMA}.versions`))) return [];
  return listVersions(ctx.db, ctx.env.PROJECTION_SCHEMA);
}

async function lagOf(ctx: Context, v: VersionInfo): Promise<number> {
  if (!(await tableExists(ctx, `${v.schema}.consumer_positions`))) return 0;
  const spec: ConsumerSpec = {
    name: `projection-v${v.versie}`,
    description: '',
    service: 'projection',
    schema: v.schema,
    group: v.groupId,
    topics: ctx.domainTopics,
  };
  return (await partitionStates(ctx, spec)).reduce((n, p) => n + p.lag, 0);
}

export async function projectionVersions(ctx: Context): Promise<{ schema: string; versions: VersionLine[] }> {
  const versions = await versionsOf(ctx);
  const lines: VersionLine[] = [];
  for (const v of versions) lines.push({ ...v, lag: await lagOf(ctx, v) });
  return { schema: ctx.env.PROJECTION_SCHEMA, versions: lines };
}

async function logSize(ctx: Context): Promise<number> {
  let total = 0;
  for (const topic of ctx.domainTopics) {
    for (const p of await offsetsOf(ctx, topic)) total += Number(BigInt(p.high) - BigInt(p.low));
  }
  return total;
}

export interface RebuildOptions {
  dropOld: boolean;
  switch: boolean;
  maxLag: number;
}

export interface RebuildPlan {
  version: number;
  schema: string;
  group: string;
  /** Records in the domain topics now: what the new version reads from offset 0. */
  records: number;
  previous: number | null;
  switch: boolean;
  maxLagToSwitch: number;
  /** Versions dropped after the switch (their schemas and consumer groups). */
  drop: number[];
}

export async function planRebuild(ctx: Context, o: RebuildOptions): Promise<RebuildPlan> {
  const versions = await versionsOf(ctx);
  const next = versions.reduce((n, v) => Math.max(n, v.versie), 0) + 1;
  const active = versions.find((v) => v.status === 'actief') ?? null;
  return {
    version: next,
    schema: versionSchema(ctx.env.PROJECTION_SCHEMA, next),
    group: versionGroup(ctx.env.PROJECTION_GROUP_ID, next),
    records: await logSize(ctx),
    previous: active?.versie ?? null,
    switch: o.switch,
    maxLagToSwitch: o.maxLag,
    drop: o.dropOld && o.switch ? versions.map((v) => v.versie) : [],
  };
}

export async function executeRebuild(
  ctx: Context,
  o: RebuildOptions,
  onProgress: (p: RebuildProgress) => void,
): Promise<RebuildResult> {
  const env = ctx.env;
  await migrateBase(ctx.db, env.PROJECTION_SCHEMA);
  return rebuild({
    db: ctx.db,
    kafka: ctx.kafka,
    schema: env.PROJECTION_SCHEMA,
    groupBase: env.PROJECTION_GROUP_ID,
    topics: ctx.domainTopics,
    ctx: { hubOin: env.KETENHUB_HUB_OIN },
    logger: ctx.logger,
    dropOld: o.dropOld,
    activate: o.switch,
    maxLagToSwitch: o.maxLag,
    partitionsConcurrently: env.PROJECTION_PARTITIONS_CONCURRENTLY,
    sessionTimeoutMs: env.PROJECTION_SESSION_TIMEOUT_MS,
    onProgress,
  });
}

async function versionOrFail(
  ctx: Context,
  versie: number,
): Promise<{ target: VersionInfo; all: VersionInfo[] }> {
  const all = await versionsOf(ctx);
  const target = all.find((v) => v.versie === versie);
  if (!target) {
    throw new UsageError(
      `projection version ${versie} does not exist (there are: ${all.map((v) => `v${v.versie} ${v.status}`).join(', ') || 'none'})`,
    );
  }
  return { target, all };
}

export interface SwitchPlan {
  from: number | null;
  to: number;
  toStatus: VersionInfo['status'];
  /** Records the target has not read yet: reads are that far behind until its consumer catches up. */
  toLag: number;
}

export async function planSwitch(ctx: Context, versie: number): Promise<SwitchPlan> {
  const { target, all } = await versionOrFail(ctx, versie);
  return {
    from: all.find((v) => v.status === 'actief')?.versie ?? null,
    to: target.versie,
    toStatus: target.status,
    toLag: await lagOf(ctx, target),
  };
}

/** Repoints the views and flips the statuses in one transaction; running instances follow by NOTIFY. */
export async function executeSwitch(ctx: Context, versie: number): Promise<void> {
  await activateVersion(ctx.db, ctx.env.PROJECTION_SCHEMA, versie);
}

export interface DropPlan {
  version: number;
  schema: string;
  group: string;
  status: VersionInfo['status'];
}

export async function planDrop(ctx: Context, versie: number): Promise<DropPlan> {
  const { target } = await versionOrFail(ctx, versie);
  if (target.status === 'actief') {
    throw new FailedError(`version ${versie} serves reads; switch to another version first`, {
      version: versie,
    });
  }
  return { version: target.versie, schema: target.schema, group: target.groupId, status: target.status };
}

/** Drops the schema and the registry row, then the consumer group in Kafka (`busy` while it has members). */
export async function executeDrop(ctx: Context, plan: DropPlan): Promise<'deleted' | 'absent' | 'busy'> {
  await dropVersion(ctx.db, ctx.env.PROJECTION_SCHEMA, plan.version);
  return deleteConsumerGroup(ctx.kafka, plan.group, { timeoutMs: 30_000 });
}
