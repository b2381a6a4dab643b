/**
 * COPY text format for the timeline (PostgreSQL's default COPY format: tab between fields, newline
 * after each row; backslash, tab, newline and carriage return escaped with a backslash).
 */

/** What a timeline row needs of a consumed event. */
export interface TimelineRow {
  event: { source: string; id: string; subject: string; type: string; time: string };
  /** The event's JSON: the record's bytes when they are valid UTF-8, else the text as parsed. */
  json: { bytes: Buffer; text?: undefined } | { bytes?: undefined; text: string };
  topic: string;
  partition: number;
  offset: string;
}

export const TIMELINE_COPY_COLUMNS =
  'source, event_id, case_id, type, tijd, topic, partitie, kafka_offset, event';

const copySpecial = /[\\\t\n\r]/;

/**
 * COPY text format: backslash, tab, newline and carriage return escaped. Most values have none of
 * them, and one test is cheaper than four replacing passes over a kilobyte of JSON.
 */
const copyText = (s: string) =>
  copySpecial.test(s)
    ? s.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
    : s;

const BACKSLASH = 0x5c;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * The rows of one COPY, written straight into one growing Buffer. Building them as strings
 * (a join per row, a join of all rows, then the bytes of that) was a fifth of everything the
 * consumer allocated during catch-up, and garbage collection was its largest single cost.
 */
export class CopyRows {
  private buf: Buffer;
  private at = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, capacity));
  }

  private room(n: number) {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** A text field, escaped. */
  text(s: string): this {
    const value = copyText(s);
    this.room(value.length * 3);
    this.at += this.buf.write(value, this.at, 'utf8');
    return this;
  }

  /** A field known to hold only ASCII without tab, newline or backslash (uuids, numbers, topic names). */
  ascii(s: string): this {
    this.room(s.length);
    this.at += this.buf.write(s, this.at, 'latin1');
    return this;
  }

  /**
   * JSON as UTF-8 bytes, escaped. Most events hold none of the four special bytes, and then the
   * bytes are copied as they are (a few native scans instead of a loop per byte).
   */
  bytes(b: Buffer): this {
    if (
      b.indexOf(BACKSLASH) === -1 &&
      b.indexOf(TAB) === -1 &&
      b.indexOf(LF) === -1 &&
      b.indexOf(CR) === -1
    ) {
      this.room(b.length);
      this.at += b.copy(this.buf, this.at);
      return this;
    }
    this.room(b.length * 2);
    const out = this.buf;
    let at = this.at;
    for (const byte of b) {
      if (byte === BACKSLASH) {
        out[at++] = BACKSLASH;
        out[at++] = BACKSLASH;
      } else if (byte === TAB || byte === LF || byte === CR) {
        out[at++] = BACKSLASH;
        out[at++] = byte === TAB ? 0x74 : byte === LF ? 0x6e : 0x72;
      } else out[at++] = byte;
    }
    this.at = at;
    return this;
  }

  /** SQL NULL (`\N`). */
  nul(): this {
    this.room(2);
    this.buf[this.at++] = BACKSLASH;
    this.buf[this.at++] = 0x4e;
    return this;
  }

  /** Ends a field (tab) or a row (newline). */
  sep(row: boolean): this {
    this.room(1);
    this.buf[this.at++] = row ? LF : TAB;
    return this;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

/** The timeline rows of a COPY, in the column order of {@link TIMELINE_COPY_COLUMNS}. */
export function timelineCopyRows(rows: readonly TimelineRow[]): Buffer {
  let estimate = 0;
  for (const p of rows) estimate += (p.json.bytes ? p.json.bytes.length : p.json.text.length) + 320;
  const out = new CopyRows(estimate);
  for (const p of rows) {
    out.text(p.event.source).sep(false).text(p.event.id).sep(false).ascii(p.event.subject).sep(false);
    out.text(p.event.type).sep(false).text(p.event.time).sep(false).ascii(p.topic).sep(false);
    out.ascii(String(p.partition)).sep(false).ascii(p.offset).sep(false);
    // The record's own bytes only when they are valid UTF-8 (see Positioned): otherwise the text,
    // with its replacement characters as parsed, or COPY would refuse the batch for ever.
    if (p.json.bytes) out.bytes(p.json.bytes);
    else out.text(p.json.text);
    out.sep(true);
  }
  return out.done();
}
