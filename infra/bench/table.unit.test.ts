import type { BenchReport } from '@ketenhub/kafka/testing';
import { describe, expect, test } from 'vitest';
import { markdownTable, ratioOf, rowsOf, textTable, verdictOf } from './table';

const machine = { cores: 2, memoryGiB: 24, cpu: 'test cpu', node: 'v20.0.0' };

describe('bench table', () => {
  test('a throughput figure is met only when the value and the ratio both reach their targets', () => {
    const f = {
      figure: 'batch ingest',
      value: 21_000,
      unit: 'events/s',
      better: 'higher' as const,
      baseline: { name: 'ProducerPerformance', value: 100_000, unit: 'records/s' },
      target: 20_000,
      ratioTarget: 0.25,
    };
    expect(ratioOf(f)).toBeCloseTo(0.21);
    expect(verdictOf(f)).toBe('NOT met');
    expect(verdictOf({ ...f, value: 26_000 })).toBe('met');
    expect(verdictOf({ ...f, value: 19_000, ratioTarget: undefined })).toBe('NOT met');
  });

  test('a latency figure is met below its target; a figure without targets has no verdict', () => {
    const p99 = { figure: 'p99', value: 14, unit: 'ms', better: 'lower' as const, target: 25 };
    expect(verdictOf(p99)).toBe('met');
    expect(verdictOf({ ...p99, value: 25 })).toBe('NOT met');
    expect(verdictOf({ ...p99, target: undefined })).toBe('');
    expect(ratioOf({ ...p99, baseline: { name: 'b', value: 0, unit: 'ms' } })).toBeUndefined();
  });

  test('rows carry the baseline, the ratio and the target; both renderings list every row', () => {
    const reports: BenchReport[] = [
      {
        bench: 'feed',
        at: '2026-12-03T00:00:00Z',
        figures: [
          {
            figure: 'one reader',
            value: 12_345.6,
            unit: 'events/s',
            better: 'higher',
            baseline: { name: 'SQL | keyset', value: 24_691.2, unit: 'events/s' },
            target: 20_000,
          },
          {
            figure: 'vs naive',
            value: 300,
            unit: 'events/s',
            better: 'higher',
            baseline: { name: 'naive', value: 20, unit: 'events/s' },
            ratioTarget: 10,
          },
        ],
      },
    ];
    const rows = rowsOf(reports);
    expect(rows[0]).toEqual({
      bench: 'feed',
      figure: 'one reader',
      value: '12,346 events/s',
      baseline: 'SQL | keyset: 24,691 events/s',
      ratio: '50%',
      target: '≥ 20,000 events/s',
      verdict: 'NOT met',
    });
    expect(rows[1]).toMatchObject({ ratio: '15x', target: 'ratio ≥ 10x', verdict: 'met' });
    const text = textTable(rows, machine);
    expect(text.split('\n')).toHaveLength(5);
    expect(text).toContain('machine: 2 cores, 24 GiB, test cpu, node v20.0.0');
    const md = markdownTable(rows, machine, '2026-12-03');
    expect(md).toContain('SQL \\| keyset');
    expect(md.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(4);
  });
});
