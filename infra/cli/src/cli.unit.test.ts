import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceNodeFlags } from '@ketenhub/service';
import type { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { HttpError } from './errors';
import { parseOffsetSpec } from './offsets';
import { Output } from './output';
import { buildProgram, type RunOptions, run } from './program';

function io(tty = false) {
  const written = { stdout: '', stderr: '' };
  const sink = (to: 'stdout' | 'stderr') => ({
    write(s: string) {
      written[to] += s;
      return true;
    },
  });
  return {
    options: {
      env: {},
      io: {
        stdout: { ...sink('stdout'), ...(tty ? { isTTY: true } : {}) },
        stderr: sink('stderr'),
        noColor: false,
      },
    } as unknown as RunOptions,
    out: () => written.stdout,
    err: () => written.stderr,
  };
}

/** Every command path of the tree, e.g. `['positions', 'set']`. */
function paths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
}

const program = buildProgram(io().options, () => undefined);
const leaves = paths(program).filter((p) => {
  let c: Command | undefined = program;
  for (const name of p) c = c?.commands.find((x) => x.name() === name);
  return c !== undefined && c.commands.length === 0;
});

describe('ketenhub command line', () => {
  test('the commands the issue asks for are all there', () => {
    expect(leaves.map((p) => p.join(' ')).sort()).toEqual([
      'backfill',
      'deliveries list',
      'deliveries requeue',
      'deliveries resume',
      'deliveries show',
      'positions set',
      'positions show',
      'projection drop',
      'projection rebuild',
      'projection switch',
      'projection versions',
      'replay cancel',
      'replay list',
      'replay show',
      'replay subscription',
      'status',
    ]);
  });

  test.each([[], ...paths(program)])('--help works for `ketenhub %s` and exits 0', async (...path) => {
    const t = io();
    expect(await run([...path, '--help'], t.options)).toBe(0);
    expect(t.out()).toContain(`Usage: ketenhub ${path.join(' ')}`.trimEnd());
  });

  test('every leaf command has --json; those that change state have --execute and say the dry run', async () => {
    const changing = new Set([
      'positions set',
      'projection rebuild',
      'projection switch',
      'projection drop',
      'deliveries requeue',
      'deliveries resume',
      'replay subscription',
      'replay cancel',
      'backfill',
    ]);
    for (const p of leaves) {
      let c: Command = program;
      for (const name of p) c = c.commands.find((x) => x.name() === name) as Command;
      const flags = c.options.map((o) => o.long);
      expect(flags, p.join(' ')).toContain('--json');
      expect(flags.includes('--execute'), p.join(' ')).toBe(changing.has(p.join(' ')));
      if (changing.has(p.join(' '))) {
        const t = io();
        await run([...p, '--help'], t.options);
        expect(t.out(), p.join(' ')).toMatch(/dry run/);
      }
    }
  });

  test.each([
    [['nonsense']],
    [['status', '--bogus']],
    [['positions', 'set', 'dispatcher', '--to-datetime', 'yesterday']],
    [['positions', 'set', 'dispatcher', '--to-offset', 'wmo:0']],
    [['replay', 'subscription', 'b7a9a1f6-55e1-4a8e-9a36-2f0a4a1a7c11']],
    [
      [
        'replay',
        'subscription',
        'b7a9a1f6-55e1-4a8e-9a36-2f0a4a1a7c11',
        '--from',
        '2026-12-03T10:00:00Z',
        '--case',
        'x',
      ],
    ],
    [
      [
        'replay',
        'subscription',
        'b7a9a1f6-55e1-4a8e-9a36-2f0a4a1a7c11',
        '--from',
        '2026-12-03T10:00:00Z',
        '--to',
        '2026-12-03T09:00:00Z',
      ],
    ],
    [
      [
        'replay',
        'subscription',
        'b7a9a1f6-55e1-4a8e-9a36-2f0a4a1a7c11',
        '--from',
        '2026-12-03T10:00:00Z',
        '--type',
        'nl.wmo.nope',
      ],
    ],
    [['deliveries', 'show', 'not-a-uuid']],
    [['deliveries', 'list']],
    [['projection', 'switch', 'latest']],
  ])('bad usage exits 2 before anything is asked: %j', async (argv) => {
    const t = io();
    expect(await run(argv, t.options)).toBe(2);
    expect(t.err()).not.toBe('');
  });

  test('with --json a usage error is a JSON document too', async () => {
    const t = io();
    expect(await run(['deliveries', 'show', 'not-a-uuid', '--json'], t.options)).toBe(2);
    expect(JSON.parse(t.out())).toEqual({
      error: { kind: 'usage', message: expect.stringContaining('not a subscription id') },
    });
    const parse = io();
    expect(await run(['positions', 'set', 'x', '--to-datetime', 'soon', '--json'], parse.options)).toBe(2);
    expect(JSON.parse(parse.out()).error.kind).toBe('usage');
  });

  test('a bad environment is bad usage naming every bad variable', async () => {
    const t = io();
    t.options.env = { KAFKA_TOPIC_PREFIX: 'no spaces', KETENHUB_DISPATCHER_URL: 'nope' };
    expect(await run(['deliveries', 'show', 'b7a9a1f6-55e1-4a8e-9a36-2f0a4a1a7c11'], t.options)).toBe(2);
    expect(t.err()).toContain('KAFKA_TOPIC_PREFIX');
    expect(t.err()).toContain('KETENHUB_DISPATCHER_URL');
  });
});

describe('output', () => {
  test('--json on a terminal: no colour codes, one document', () => {
    const t = io(true);
    const out = new Output(t.options.io, true);
    out.result({ a: out.paint('good', 'ready') }, () => 'not this');
    expect(t.out()).toBe('{\n  "a": "ready"\n}\n');
    expect(out.interactive).toBe(false);
  });

  test('a terminal gets colour, a pipe does not', () => {
    expect(new Output(io(true).options.io, false).paint('bad', 'x')).toBe('\u001b[31mx\u001b[39m');
    expect(new Output(io(false).options.io, false).paint('bad', 'x')).toBe('x');
  });

  test("a failing call's lines: the problem's title, then field and rule of each violation", () => {
    const error = new HttpError(
      'dispatcher',
      'POST',
      '/subscriptions/x/replays',
      400,
      {
        title: 'Invalid request',
        detail: 'the body is not valid',
        errors: [
          { field: 'body.from', rule: 'required', message: 'from or fromOffsets is required' },
          { field: 'body.cases.0', rule: 'uuid' },
        ],
      },
      '',
    );
    expect(error.lines()).toEqual([
      'dispatcher: POST /subscriptions/x/replays answered 400 Invalid request: the body is not valid',
      '  body.from: required (from or fromOffsets is required)',
      '  body.cases.0: uuid',
    ]);
  });
});

describe('offsets', () => {
  test('topic:partition=offset lists', () => {
    expect(parseOffsetSpec('wmo:0=12, acc.omgevingswet:2=0')).toEqual([
      { topic: 'wmo', partition: 0, offset: '12' },
      { topic: 'acc.omgevingswet', partition: 2, offset: '0' },
    ]);
    expect(() => parseOffsetSpec('wmo=12')).toThrow(/topic:partition=offset/);
    expect(() => parseOffsetSpec(',')).toThrow(/at least one/);
  });
});

describe('the bin', () => {
  const bin = fileURLToPath(new URL('../bin/ketenhub.mjs', import.meta.url));

  test("starts node with the rebuild's flags (packages/service/src/node-flags.ts)", () => {
    const text = readFileSync(bin, 'utf8');
    const declared = /const nodeFlags = (\[.*\]);/.exec(text)?.[1];
    expect(JSON.parse((declared ?? '').replaceAll("'", '"'))).toEqual([
      ...serviceNodeFlags('projection:rebuild'),
    ]);
  });

  test('`npx ketenhub --help` works from the repository root', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync(process.execPath, [`${root}node_modules/.bin/ketenhub`, '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: ketenhub');
  }, 60_000);
});
