import { appendFileSync } from 'node:fs';

/**
 * (Here, beside the Kafka baseline `producerPerformance`, because every benchmark, the adapter's own
 * included, can import it from this layer without a dependency cycle.)
 *
 * One measured figure of a benchmark, as `npm run bench` (infra/bench) tabulates it: the value, the
 * baseline measured in the same run (so machines of different speed can be compared by the ratio),
 * and the target for the value or for the ratio.
 */
export interface BenchFigure {
  figure: string;
  value: number;
  unit: string;
  /** Higher is better (throughput) or lower (latency); decides how the target reads. */
  better: 'higher' | 'lower';
  baseline?: { name: string; value: number; unit: string };
  target?: number;
  /** A target on value / baseline instead of (or beside) one on the value. */
  ratioTarget?: number;
}

export interface BenchReport {
  bench: string;
  at: string;
  figures: BenchFigure[];
}

/**
 * Hands the benchmark's figures to `npm run bench` when it runs the benchmark
 * (`KETENHUB_BENCH_REPORT` names the file it collects from); run on its own, a benchmark only prints
 * its own output, so this does nothing.
 */
export function reportBench(bench: string, figures: BenchFigure[]): void {
  const file = process.env.KETENHUB_BENCH_REPORT;
  if (!file) return;
  const report: BenchReport = { bench, at: new Date().toISOString(), figures };
  appendFileSync(file, `${JSON.stringify(report)}\n`);
}
