const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * The byte ranges of the elements of a top-level JSON array, or undefined when `bytes` does not
 * have that shape (then the caller parses the whole and gets JSON.parse's answer).
 *
 * Why: a batch of 500 events is about 500 KB. As one string, V8 allocates it outside its young
 * generation, in a fresh mapping per string that the kernel has to fault in page by page and that
 * each scavenge unmaps again; in the ingest profile that was 5 µs per event, more than parsing.
 * Elements of about 1 KB decode and parse in the young generation.
 *
 * Arrays of more than `maxElements` elements are not split (undefined).
 *
 * Only the top level is decided here: `[`, elements split at commas outside strings and brackets,
 * `]`, nothing but whitespace after it. Every element is then parsed on its own, so an element that
 * is not valid JSON (an empty one from `[1,,2]` or `[1,]`, a bracket that does not match) fails
 * there; the array as a whole is valid exactly when every element is. Element boundaries are ASCII
 * bytes outside strings, so decoding each element as UTF-8 gives the same text as decoding the whole.
 */
export function jsonArrayElements(
  bytes: Buffer,
  maxElements = Number.POSITIVE_INFINITY,
): Buffer[] | undefined {
  const n = bytes.length;
  let i = 0;
  while (isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x5b) return undefined;
  i++;
  let first = i;
  while (isSpace(bytes[first])) first++;
  if (bytes[first] === 0x5d) return onlySpaceAfter(bytes, first + 1) ? [] : undefined;

  const elements: Buffer[] = [];
  for (;;) {
    const start = i;
    let depth = 0;
    for (;;) {
      if (i >= n) return undefined;
      const c = bytes[i]!;
      if (c === QUOTE) {
        // Skip the string: an escaped character, whatever it is, is never its end.
        i++;
        for (;;) {
          if (i >= n) return undefined;
          const d = bytes[i]!;
          if (d === QUOTE) break;
          i += d === BACKSLASH ? 2 : 1;
        }
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break;
        depth--;
      } else if (c === COMMA && depth === 0) {
        break;
      }
      i++;
    }
    // More than the caller will take: no split. One string of the whole costs less than millions
    // of tiny elements (`[0,0,...]` up to the body limit), and the caller refuses it by count anyway.
    if (elements.length === maxElements) return undefined;
    elements.push(bytes.subarray(start, i));
    if (bytes[i] === COMMA) {
      i++;
      continue;
    }
    // Only `]` closes the array; a `}` at the top level is left to JSON.parse to refuse.
    return bytes[i] === 0x5d && onlySpaceAfter(bytes, i + 1) ? elements : undefined;
  }
}

function onlySpaceAfter(bytes: Uint8Array, from: number): boolean {
  let i = from;
  while (isSpace(bytes[i])) i++;
  return i === bytes.length;
}
