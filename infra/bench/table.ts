import type { BenchFigure, BenchReport } from '@ketenhub/kafka/testing';

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  node: string;
}

export interface Row {
  bench: string;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: 'met' | 'NOT met' | '';
}

const number = (n: number) =>
  Number.isFinite(n)
    ? Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : String(+n.toFixed(1))
    : 'n/a';
const withUnit = (n: number, unit: string) => `${number(n)} ${unit}`.trim();

/** value / baseline; undefined without a baseline measured in the same run. */
export function ratioOf(f: BenchFigure): number | undefined {
  if (!f.baseline || !Number.isFinite(f.baseline.value) || f.baseline.value === 0) return undefined;
  return f.value / f.baseline.value;
}

/** Met when every target the figure has is met; '' when it has none. */
export function verdictOf(f: BenchFigure): Row['verdict'] {
  const checks: boolean[] = [];
  const meets = (v: number, t: number) => (f.better === 'higher' ? v >= t : v < t);
  if (f.target !== undefined) checks.push(Number.isFinite(f.value) && meets(f.value, f.target));
  if (f.ratioTarget !== undefined) {
    const r = ratioOf(f);
    checks.push(r !== undefined && meets(r, f.ratioTarget));
  }
  if (checks.length === 0) return '';
  return checks.every(Boolean) ? 'met' : 'NOT met';
}

const percentOrTimes = (r: number) => (r >= 10 ? `${number(r)}x` : `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`);

export function rowsOf(reports: BenchReport[]): Row[] {
  return reports.flatMap((report) =>
    report.figures.map((f) => {
      const r = ratioOf(f);
      const op = f.better === 'higher' ? '≥' : '<';
      const targets = [
        f.target !== undefined ? `${op} ${withUnit(f.target, f.unit)}` : '',
        f.ratioTarget !== undefined ? `ratio ${op} ${percentOrTimes(f.ratioTarget)}` : '',
      ].filter(Boolean);
      return {
        bench: report.bench,
        figure: f.figure,
        value: withUnit(f.value, f.unit),
        baseline: f.baseline ? `${f.baseline.name}: ${withUnit(f.baseline.value, f.baseline.unit)}` : '',
        ratio: r === undefined ? '' : percentOrTimes(r),
        target: targets.join(', '),
        verdict: verdictOf(f),
      };
    }),
  );
}

export const machineLine = (m: Machine) => `${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpu}, node ${m.node}`;

const columns: [keyof Row, string][] = [
  ['bench', 'bench'],
  ['figure', 'figure'],
  ['value', 'value'],
  ['baseline', 'baseline (same run)'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['verdict', 'verdict'],
];

/** A fixed-width table for the terminal, the machine on its last line. */
export function textTable(rows: Row[], machine: Machine): string {
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map(([, title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map(([key]) => r[key]))),
    `machine: ${machineLine(machine)}`,
  ].join('\n');
}

/** The same table in Markdown, for README.md and docs/performance.md. */
export function markdownTable(rows: Row[], machine: Machine, date: string): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  return [
    `Measured ${date} on ${machineLine(machine)}.`,
    '',
    `| ${columns.map(([, title]) => title).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map(([key]) => cell(r[key])).join(' | ')} |`),
  ].join('\n');
}
