import type { Command } from 'commander';
import { dryRunNote, type Registrar } from '../command';
import { UsageError } from '../errors';
import { table } from '../output';

// Loaded when a command runs: the projection's rebuild code is large, and `--help` needs none of it.
const load = () => import('./projection');

const versionArg = (value: unknown): number => {
  const text = String(value).replace(/^v/, '');
  if (!/^\d+$/.test(text)) throw new UsageError(`version: "${String(value)}" is not a version number`);
  return Number(text);
};

export function registerProjection(program: Command, r: Registrar): void {
  const projection = program
    .command('projection')
    .description('Projection versions: list, rebuild from the log beside the serving one, switch reads, drop')
    .addHelpText(
      'after',
      `
Each version is a schema <PROJECTION_SCHEMA>_v<N> with its own consumer group <PROJECTION_GROUP_ID>-v<N>;
reads follow the views of <PROJECTION_SCHEMA> to the active one (docs/projection.md).`,
    );

  const versions = r.leaf(
    projection,
    'versions',
    'Every version: status, state format, schema, group and lag',
  );
  r.run(versions, async (ctx, out) => {
    const { projectionVersions } = await load();
    const answer = await projectionVersions(ctx);
    out.result(answer, () =>
      answer.versions.length === 0
        ? `no projection versions in ${answer.schema}.versions (the projection has not run here)`
        : table([
            ['version', 'status', 'format', 'schema', 'group', 'lag'],
            ...answer.versions.map((v) => [
              `v${v.versie}`,
              out.paint(v.status === 'actief' ? 'good' : v.status === 'bouwen' ? 'warn' : 'dim', v.status),
              String(v.formaat),
              v.schema,
              v.groupId,
              String(v.lag),
            ]),
          ]),
    );
  });

  const rebuild = r
    .leaf(
      projection,
      'rebuild',
      'Build a new version from offset 0 beside the serving one, and switch reads to it once caught up',
      { changes: true },
    )
    .option('--drop-old', 'after the switch, drop the replaced versions (schemas and consumer groups)')
    .option('--no-switch', 'build the new version but leave reads on the current one')
    .option('--max-lag <records>', 'switch when at most this many records remain', '0');
  rebuild.addHelpText(
    'after',
    `
${dryRunNote}

The serving version keeps answering meanwhile; the switch is one transaction, and running
instances move their consumer to the new group and go on from its stored positions. A progress
bar shows on a terminal. The same as \`npm run rebuild -w @ketenhub/projection\`.`,
  );
  r.run(rebuild, async (ctx, out, opts) => {
    const { executeRebuild, planRebuild } = await load();
    const maxLag = Number(opts.maxLag);
    if (!Number.isInteger(maxLag) || maxLag < 0) throw new UsageError('--max-lag: a whole number ≥ 0');
    const o = { dropOld: opts.dropOld === true, switch: opts.switch !== false, maxLag };
    const plan = await planRebuild(ctx, o);
    if (opts.execute !== true) {
      out.result({ dryRun: true, ...plan }, () => [
        out.paint(
          'bold',
          `Would build projection version ${plan.version} (schema ${plan.schema}, group ${plan.group})`,
        ),
        `  reading ${plan.records} record(s) from offset 0 of ${ctx.domainTopics.join(', ')}`,
        plan.switch
          ? `  then switch reads from ${plan.previous === null ? 'nothing' : `v${plan.previous}`} to v${plan.version}${plan.maxLagToSwitch > 0 ? ` at a lag of ${plan.maxLagToSwitch} or less` : ' once fully caught up'}`
          : '  and leave reads where they are (--no-switch)',
        plan.drop.length > 0
          ? `  then drop ${plan.drop.map((v) => `v${v}`).join(', ')}`
          : '  dropping nothing',
        out.paint('dim', '  dry run: nothing changed; add --execute'),
      ]);
      return;
    }
    const started = Date.now();
    const bar = out.progress(
      'rebuild |{bar}| {percentage}% | {value}/{total} events | {rate} ev/s | lag {lag}',
    );
    let result: Awaited<ReturnType<typeof executeRebuild>>;
    try {
      result = await executeRebuild(ctx, o, (p) => {
        const rate = Math.round(p.done / Math.max(0.001, (Date.now() - started) / 1000));
        bar.update(p.done, p.total, { rate, lag: p.lag });
      });
    } finally {
      bar.stop();
    }
    const answer = {
      dryRun: false,
      version: result.version.versie,
      schema: result.version.schema,
      group: result.version.groupId,
      switched: o.switch,
      previous: result.previous?.versie ?? null,
      dropped: result.dropped,
      groupsLeft: result.groupsLeft,
      events: result.events,
      cases: result.cases,
      checksum: result.checksum,
      seconds: result.seconds,
    };
    out.result(answer, () => [
      out.paint(
        'good',
        `Built v${answer.version}: ${answer.events} events, ${answer.cases} cases in ${answer.seconds.toFixed(1)} s`,
      ),
      answer.switched
        ? `  reads switched from ${answer.previous === null ? 'nothing' : `v${answer.previous}`}`
        : '  reads not switched',
      answer.dropped.length > 0
        ? `  dropped ${answer.dropped.map((v) => `v${v}`).join(', ')}`
        : '  dropped nothing',
      ...(answer.groupsLeft.length > 0
        ? [
            out.paint(
              'warn',
              `  consumer groups still had members, delete later: ${answer.groupsLeft.join(', ')}`,
            ),
          ]
        : []),
      `  checksum ${answer.checksum}`,
    ]);
  });

  const switchCmd = r.leaf(projection, 'switch <version>', 'Serve reads from another version', {
    changes: true,
  });
  switchCmd.addHelpText(
    'after',
    `
${dryRunNote}

A version behind the log (a replaced one stopped reading at its switch) serves what it has and
catches up once the running instances move their consumer to it.`,
  );
  r.run(switchCmd, async (ctx, out, opts, [version]) => {
    const { executeSwitch, planSwitch } = await load();
    const plan = await planSwitch(ctx, versionArg(version));
    const execute = opts.execute === true;
    if (execute && plan.from !== plan.to) await executeSwitch(ctx, plan.to);
    out.result({ dryRun: !execute, ...plan }, () => [
      plan.from === plan.to
        ? `v${plan.to} already serves reads; nothing to do`
        : `${execute ? 'Switched' : 'Would switch'} reads from ${plan.from === null ? 'nothing' : `v${plan.from}`} to v${plan.to} (${plan.toStatus})`,
      ...(plan.toLag > 0
        ? [out.paint('warn', `  v${plan.to} is ${plan.toLag} record(s) behind the log`)]
        : []),
      ...(execute ? [] : [out.paint('dim', '  dry run: nothing changed; add --execute')]),
    ]);
  });

  const drop = r.leaf(
    projection,
    'drop <version>',
    'Drop a version that does not serve reads: its schema and consumer group',
    {
      changes: true,
    },
  );
  drop.addHelpText(
    'after',
    `
${dryRunNote}

Dropping a version that is being built makes a rebuild that is still running fail.`,
  );
  r.run(drop, async (ctx, out, opts, [version]) => {
    const { executeDrop, planDrop } = await load();
    const plan = await planDrop(ctx, versionArg(version));
    const execute = opts.execute === true;
    const group = execute ? await executeDrop(ctx, plan) : null;
    out.result({ dryRun: !execute, ...plan, ...(group ? { consumerGroup: group } : {}) }, () => [
      `${execute ? 'Dropped' : 'Would drop'} v${plan.version} (${plan.status}): schema ${plan.schema}, consumer group ${plan.group}`,
      ...(group === 'busy'
        ? [
            out.paint(
              'warn',
              `  the consumer group still has members; delete it later (kafka-consumer-groups --delete --group ${plan.group})`,
            ),
          ]
        : []),
      ...(execute ? [] : [out.paint('dim', '  dry run: nothing changed; add --execute')]),
    ]);
  });
}
