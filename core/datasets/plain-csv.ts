import { CsvSyntaxError } from './csv.js';
import { MAX_RECORD_CHARS } from './csv-reader.js';

/**
 * A plain CSV: UTF-8 with no quote and no carriage return anywhere (scanDataset tells). There a
 * record is exactly a line and a field exactly the bytes between two commas, which is what the
 * CSV libraries read from it too (test/unit/datasets/plain-csv.test.ts compares them). Reading it
 * as bytes skips what the libraries must do for the general case, a string for every field, and
 * lets the split copy lines as they are: a plain line is already what formatCsv writes for it.
 */

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Blocks of whole lines, each ending with its LF (the last line of a file without a final LF
 * gets one), in file order, the byte-order mark dropped. A line longer than MAX_RECORD_CHARS
 * bytes is refused as the libraries refuse it; `lineOf` says where the caller has got to.
 */
export async function* plainLineBlocks(bytes: AsyncIterable<Buffer>, lineOf: () => number): AsyncGenerator<Buffer> {
  let carried: Buffer | undefined;
  let first = true;
  for await (let chunk of bytes) {
    if (first) {
      chunk = carried ? Buffer.concat([carried, chunk]) : chunk;
      carried = undefined;
      if (chunk.length < BYTE_ORDER_MARK.length) {
        carried = chunk;
        continue;
      }
      first = false;
      if (chunk.subarray(0, 3).equals(BYTE_ORDER_MARK)) chunk = chunk.subarray(3);
    }
    if (carried) {
      // The line begun in an earlier chunk, completed: a block of its own, so the chunk is not copied.
      const lineEnd = chunk.indexOf(NEWLINE) + 1;
      if (lineEnd === 0) {
        carried = Buffer.concat([carried, chunk]);
        if (carried.length > MAX_RECORD_CHARS) throw new CsvSyntaxError(lineOf() + 1, LINE_TOO_LONG);
        continue;
      }
      yield Buffer.concat([carried, chunk.subarray(0, lineEnd)]);
      chunk = chunk.subarray(lineEnd);
      carried = undefined;
    }
    const end = chunk.lastIndexOf(NEWLINE) + 1;
    if (end < chunk.length) carried = chunk.subarray(end);
    if (carried && carried.length > MAX_RECORD_CHARS) throw new CsvSyntaxError(lineOf() + 1, LINE_TOO_LONG);
    if (end > 0) yield end === chunk.length ? chunk : chunk.subarray(0, end);
  }
  if (first && carried?.subarray(0, 3).equals(BYTE_ORDER_MARK)) carried = carried.subarray(3);
  // Still `first`, a file shorter than a byte-order mark may end with its newline.
  if (carried?.length) yield carried.at(-1) === NEWLINE ? carried : Buffer.concat([carried, Buffer.from([NEWLINE])]);
}

const LINE_TOO_LONG = `a record is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB (or a quote is never closed)`;

/** The fields of one line, as strings: for the header. */
export function plainFields(block: Buffer, start: number, end: number): string[] {
  return block.toString('utf8', start, end).split(',');
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);

/** Where readPlainField puts what it read, reused for every field so reading allocates nothing. */
export class PlainField {
  /** The index of the comma or line end after the field. */
  end = 0;
  /** The number the field holds when it has the usual shape, else NaN (it is then read as text). */
  number = Number.NaN;
}

/**
 * Reads the field starting at `start` of a line ending at `lineEnd`, in one pass over its bytes:
 * where it ends, and the number it holds when it has the usual shape, `-?digits[.digits]` with at
 * most 15 digits. That number is exactly what `Number()` gives for it: the digits form an integer
 * below 2^53 and the divisor a power of ten below 10^23, both exact doubles, and one IEEE
 * division rounds correctly (Clinger's fast path).
 */
export function readPlainField(block: Buffer, start: number, lineEnd: number, into: PlainField): void {
  let at = start;
  const negative = block[at] === 0x2d;
  if (negative) at++;
  // Integer digits, then a point and decimals: one tight loop each, no state to test per byte.
  let mantissa = 0;
  let byte = 0;
  const integerStart = at;
  while (at < lineEnd && (byte = block[at] as number) >= 0x30 && byte <= 0x39) {
    mantissa = mantissa * 10 + (byte - 0x30);
    at++;
  }
  const integerDigits = at - integerStart;
  let decimals = 0;
  if (at < lineEnd && byte === 0x2e && integerDigits > 0) {
    const decimalsStart = ++at;
    while (at < lineEnd && (byte = block[at] as number) >= 0x30 && byte <= 0x39) {
      mantissa = mantissa * 10 + (byte - 0x30);
      at++;
    }
    decimals = at - decimalsStart;
  }
  const digits = integerDigits + decimals;
  if ((at === lineEnd || block[at] === COMMA) && digits > 0 && digits <= 15) {
    const value = decimals > 0 ? mantissa / (POWERS_OF_TEN[decimals] as number) : mantissa;
    into.number = negative ? -value : value;
  } else {
    into.number = Number.NaN;
    while (at < lineEnd && block[at] !== COMMA) at++;
  }
  into.end = at;
}

/** A field's bounds, as locateField finds them (reused: finding them allocates nothing). */
export class FieldBounds {
  start = 0;
  end = 0;
}

/**
 * The bounds of field `index` of the line [start, end). The last field is found from the line's
 * end, a byte or two for the usual label; any other by counting commas from the start. The line
 * is not checked: on a line of another length the bounds are of some other field or empty.
 */
export function locateField(block: Buffer, start: number, end: number, index: number, last: boolean, into: FieldBounds): void {
  if (last) {
    let at = end - 1;
    while (at >= start && block[at] !== COMMA) at--;
    into.start = at + 1;
    into.end = end;
    return;
  }
  let field = 0;
  into.start = start;
  for (let at = start; at < end; at++) {
    if (block[at] !== COMMA) continue;
    if (field === index) {
      into.end = at;
      return;
    }
    field++;
    into.start = at + 1;
  }
  into.end = end;
}

/**
 * How many fields the line [start, end) has: one more than its commas. Counted four bytes at a
 * time (`words`: the block's DataView, made once for all its lines), without a branch per byte:
 * in a word XORed with four commas a comma is a zero byte, and
 * `~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f)` has the top bit of exactly those bytes set
 * (the addition cannot carry from one byte into the next), which a multiply adds up.
 */
export function countFields(block: Buffer, start: number, end: number, words = wordsOf(block)): number {
  let fields = 1;
  let at = start;
  for (; at + 4 <= end; at += 4) {
    const x = words.getUint32(at, true) ^ 0x2c2c2c2c;
    const commas = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    fields += Math.imul((commas >>> 7) & 0x01010101, 0x01010101) >>> 24;
  }
  for (; at < end; at++) if (block[at] === COMMA) fields++;
  return fields;
}

/** A block's bytes as a DataView, for countFields. */
export function wordsOf(block: Buffer): DataView {
  return new DataView(block.buffer, block.byteOffset, block.length);
}
