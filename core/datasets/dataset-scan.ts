import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { type CsvReaderKind, MAX_RECORD_CHARS } from './csv-reader.js';
import type { DatasetSource } from './dataset-source.js';

/**
 * How a dataset's CSV is read: `plain` (plain-csv.ts: UTF-8 with no quote and no carriage
 * return, read as bytes), else by a CSV library (csv-reader.ts).
 */
export type DatasetReader = CsvReaderKind | 'plain';

/** What one cheap pass over a dataset's bytes tells, before any of it is parsed. */
export interface DatasetScan {
  /** sha256 of the bytes: with the split parameters it names the version. */
  sha256: string;
  bytes: number;
  /** The fastest reader that reads these bytes as the libraries do. */
  reader: DatasetReader;
  /** The source's write stamp taken before the scan began, when it has one (DatasetSource.writeStamp). */
  stamp?: string;
}

const QUOTE = 0x22;
const CARRIAGE_RETURN = 0x0d;
const NEWLINE = 0x0a;

/** scanDataset over a source's content, with the source's write stamp as it was before. */
export async function scanSource(source: DatasetSource): Promise<DatasetScan> {
  const stamp = await source.writeStamp?.();
  const scan = await scanDataset(await source.open());
  return stamp === undefined ? scan : { ...scan, stamp };
}

/** Hashes a dataset's bytes and picks its reader; reads at disk speed, parses nothing. */
export async function scanDataset(bytes: AsyncIterable<Buffer>): Promise<DatasetScan> {
  const hash = createHash('sha256');
  const utf8 = new Utf8Check();
  let size = 0;
  let carriageReturn = false;
  let quote = false;
  for await (const chunk of bytes) {
    hash.update(chunk);
    size += chunk.length;
    carriageReturn ||= chunk.includes(CARRIAGE_RETURN);
    quote ||= chunk.includes(QUOTE);
    if (!carriageReturn && !quote) utf8.add(chunk);
  }
  const plain = !carriageReturn && !quote && utf8.finish();
  return { sha256: hash.digest('hex'), bytes: size, reader: carriageReturn ? 'any' : plain ? 'plain' : 'lf' };
}

/** Whether a stream of bytes is valid UTF-8, checked a run of whole lines at a time (a line break never splits a character). */
class Utf8Check {
  private valid = true;
  private carried: Buffer | undefined;

  add(chunk: Buffer): void {
    if (!this.valid) return;
    let rest = chunk;
    if (this.carried) {
      // The line begun in an earlier chunk, completed and checked alone: the chunk itself is not copied.
      const lineEnd = chunk.indexOf(NEWLINE) + 1;
      if (lineEnd === 0) {
        this.carried = Buffer.concat([this.carried, chunk]);
        // A line that long is refused by every reader anyway; the check stops rather than hold it.
        if (this.carried.length > MAX_RECORD_CHARS) this.valid = false;
        return;
      }
      if (!isUtf8(Buffer.concat([this.carried, chunk.subarray(0, lineEnd)]))) this.valid = false;
      rest = chunk.subarray(lineEnd);
    }
    const end = rest.lastIndexOf(NEWLINE) + 1;
    this.carried = end < rest.length ? rest.subarray(end) : undefined;
    if ((end > 0 && !isUtf8(rest.subarray(0, end))) || (this.carried && this.carried.length > MAX_RECORD_CHARS)) this.valid = false;
  }

  finish(): boolean {
    return this.valid && (!this.carried || isUtf8(this.carried));
  }
}
