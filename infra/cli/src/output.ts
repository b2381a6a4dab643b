import { Presets, SingleBar } from 'cli-progress';

/** Where a command writes; tests and scripts see plain text or JSON, a terminal sees colour and bars. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  /** NO_COLOR (https://no-color.org) switches colour off even on a terminal. */
  noColor: boolean;
}

export type Tone = 'good' | 'bad' | 'warn' | 'dim' | 'bold';

const ansi: Record<Tone, [number, number]> = {
  good: [32, 39],
  bad: [31, 39],
  warn: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/**
 * One command's output. With `--json` a command prints exactly one JSON document on stdout (or an
 * `{ "error": … }` one) and nothing else there: no colour, no bar, no prose, so `jq` always parses it.
 */
export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** A terminal a person watches: colour and progress bars are worth drawing. */
  get interactive(): boolean {
    return !this.json && this.io.stdout.isTTY === true;
  }

  paint(tone: Tone, text: string): string {
    if (!this.interactive || this.io.noColor) return text;
    const [on, off] = ansi[tone];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** The command's answer: `data` as JSON, or the human rendering of it. */
  result(data: unknown, human: () => string | string[]): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const text = human();
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
  }

  /** A remark for a person (human mode only, on stderr, so piping stdout keeps the answer clean). */
  note(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  /** A bar on a terminal, nothing otherwise (non-TTY stdout, `--json`). */
  progress(format: string): Progress {
    if (!this.interactive) return silentProgress;
    const bar = new SingleBar(
      { format, hideCursor: true, stream: this.io.stdout as NodeJS.WriteStream, clearOnComplete: false },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total, payload = {}) {
        if (!started) {
          bar.start(Math.max(total, 1), value, payload);
          started = true;
          return;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(value, payload);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
}

export interface Progress {
  update(value: number, total: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

const silentProgress: Progress = { update: () => undefined, stop: () => undefined };

/** Rows as aligned columns (the first row is the header). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd(),
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the colour codes paint() adds
const colourCodes = /\u001b\[\d+m/g;

function visibleLength(text: string): number {
  return text.replace(colourCodes, '').length;
}

/** `93 s`, `4 min`, `2.5 h`, `3 d`: an age a person reads at a glance. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
