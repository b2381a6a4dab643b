/**
 * `npm run bench`: every benchmark of the hub, one after the other (they would only measure each
 * other if run at once), then one table of figure, value, the baseline measured in the same run,
 * ratio, target and machine, also written as JSON (infra/bench/out/latest.json) and as Markdown
 * for README.md (infra/bench/out/latest.md).
 *
 *   npm run bench                       full sizes (about 25 minutes on 2 cores)
 *   npm run bench -- --quick            smaller runs for a first look (about 8 minutes)
 *   npm run bench -- --only feed,ingest a subset
 *
 * Each benchmark stays a script of its own package and can run alone; it hands its figures over
 * through `reportBench` of @ketenhub/kafka/testing. Local Kafka and PostgreSQL only, as the benchmarks are.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '@ketenhub/kafka/testing';
import { type Machine, markdownTable, rowsOf, textTable } from './table';

interface Bench {
  name: string;
  workspace: string;
  script: string;
  args?: string[];
  quickArgs?: string[];
  quickEnv?: Record<string, string>;
  /** Killed after this long: a benchmark that hangs must not hold the run forever. */
  timeoutMin: number;
}

const benches: Bench[] = [
  {
    name: 'producer',
    workspace: '@ketenhub/kafka',
    script: 'bench:producer',
    quickEnv: { BENCH_RECORDS: '30000', BENCH_ROUNDS: '1', BENCH_BASELINE_RECORDS: '60000' },
    timeoutMin: 10,
  },
  {
    name: 'consumer',
    workspace: '@ketenhub/kafka',
    script: 'bench:consumer',
    quickEnv: { BENCH_RECORDS: '100000', BENCH_ROUNDS: '1' },
    timeoutMin: 15,
  },
  {
    name: 'ingest',
    workspace: '@ketenhub/gateway',
    script: 'bench:ingest',
    quickEnv: { BENCH_BATCH_EVENTS: '50000', BENCH_SINGLE_DURATION_S: '8', BENCH_BASELINE_RECORDS: '100000' },
    timeoutMin: 15,
  },
  {
    name: 'catch-up',
    workspace: '@ketenhub/projection',
    script: 'bench:catchup',
    quickArgs: ['--events', '200000', '--sse-seconds', '8', '--get-seconds', '8'],
    timeoutMin: 30,
  },
  {
    name: 'feed',
    workspace: '@ketenhub/projection',
    script: 'bench:feed',
    quickArgs: ['--events', '30000'],
    timeoutMin: 15,
  },
  {
    name: 'deliveries',
    workspace: '@ketenhub/dispatcher',
    script: 'bench:deliveries',
    quickArgs: ['--events', '1000', '--replay-events', '20000', '--replay-cases', '1000'],
    timeoutMin: 20,
  },
];

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
  const unknown = only?.filter((n) => !benches.some((b) => b.name === n)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark(s) ${unknown.join(', ')}; known: ${benches.map((b) => b.name).join(', ')}`,
    );
  }
  return { quick, selected: benches.filter((b) => !only || only.includes(b.name)) };
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = fileURLToPath(new URL('./out/', import.meta.url));

function runBench(bench: Bench, quick: boolean, reportFile: string, logFile: string): Promise<number | null> {
  const args = ['run', bench.script, '-w', bench.workspace];
  const extra = [...(bench.args ?? []), ...(quick ? (bench.quickArgs ?? []) : [])];
  if (extra.length > 0) args.push('--', ...extra);
  return new Promise((resolve) => {
    const child = spawn('npm', args, {
      cwd: root,
      env: { ...process.env, ...(quick ? bench.quickEnv : {}), KETENHUB_BENCH_REPORT: reportFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    const keep = (d: Buffer) => chunks.push(d);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const started = Date.now();
    // One line that moves: which benchmark, how long it has run, what it said last.
    // On a terminal one line that moves, every second; in a log (CI, a file) a line every 30 s.
    const tty = process.stderr.isTTY === true;
    let ticks = 0;
    const progress = setInterval(() => {
      ticks++;
      if (!tty && ticks % 30 !== 0) return;
      const last = Buffer.concat(chunks.slice(-4)).toString().trim().split('\n').pop()?.slice(0, 70) ?? '';
      const line = `  ${bench.name}: ${Math.round((Date.now() - started) / 1000)} s  ${last}`;
      process.stderr.write(tty ? `\r${line.padEnd(110)}` : `${line}\n`);
    }, 1_000);
    const timer = setTimeout(() => {
      process.stderr.write(`\n  ${bench.name}: no end after ${bench.timeoutMin} min, stopped\n`);
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }, bench.timeoutMin * 60_000);
    child.once('exit', (code) => {
      clearInterval(progress);
      clearTimeout(timer);
      writeFileSync(logFile, Buffer.concat(chunks));
      const line = `  ${bench.name}: ${code === 0 ? 'done' : `exit ${code}`} in ${Math.round((Date.now() - started) / 1000)} s (log ${logFile})`;
      process.stderr.write(tty ? `\r${line.padEnd(110)}\n` : `${line}\n`);
      resolve(code);
    });
  });
}

async function main() {
  const { quick, selected } = parseArgs(process.argv.slice(2));
  mkdirSync(outDir, { recursive: true });
  const reportFile = `${outDir}figures.jsonl`;
  rmSync(reportFile, { force: true });
  const machine: Machine = {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
  };
  process.stderr.write(
    `${selected.length} benchmark(s)${quick ? ' (quick sizes)' : ''} on ${machine.cores} cores\n`,
  );
  const failed: string[] = [];
  for (const bench of selected) {
    const code = await runBench(bench, quick, reportFile, `${outDir}${bench.name}.log`);
    if (code !== 0) failed.push(bench.name);
  }
  let reports: BenchReport[] = [];
  try {
    reports = readFileSync(reportFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as BenchReport);
  } catch {
    // No benchmark reported anything: the table says so below.
  }
  const missing = selected.filter((b) => !reports.some((r) => r.bench === b.name)).map((b) => b.name);
  const rows = rowsOf(reports);
  const date = new Date().toISOString().slice(0, 10);
  console.log(`\n${textTable(rows, machine)}`);
  writeFileSync(
    `${outDir}latest.json`,
    `${JSON.stringify({ date, quick, machine, reports, failed, missing }, null, 2)}\n`,
  );
  writeFileSync(`${outDir}latest.md`, `${markdownTable(rows, machine, date)}\n`);
  console.log(`\nwritten: ${outDir}latest.json, ${outDir}latest.md`);
  if (missing.length > 0) console.log(`no figures from: ${missing.join(', ')}`);
  if (failed.length > 0) {
    console.log(`failed: ${failed.join(', ')} (see their logs)`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
