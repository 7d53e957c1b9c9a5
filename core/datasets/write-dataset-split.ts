import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { type CsvRecord, formatCsvRow } from './csv.js';
import { readCsv } from './csv-reader.js';
import type { DatasetProfiler } from './dataset-profile.js';
import type { DatasetReader } from './dataset-scan.js';
import { checkPlainRow } from './dataset-rows.js';
import { plainLineBlocks, wordsOf } from './plain-csv.js';

/** Where the pass that writes a version sends its bytes. */
export interface SplitSinks {
  /** The source bytes, unchanged. */
  source: Writable;
  /** CSV with the header, LF line endings, fields quoted only where needed. */
  train: Writable;
  test: Writable;
}

export interface WrittenSplit {
  /** sha256 of the bytes read this time, when asked for: the caller compares it with the scan's. */
  sha256: string | undefined;
  rows: number;
}

/**
 * The second parsing pass: each row goes to train or test as `testRows` says (1: test), the
 * train rows also to `profiler`, and the bytes as they are to `sinks.source`. Writes wait for
 * slow sinks, so memory stays at a chunk or two. The sinks are left open: the caller ends them
 * once it has checked the bytes were the scanned ones, or destroys them. `hashed`: whether the
 * bytes are hashed for that check (not when the caller has another way to tell).
 */
export async function writeDatasetSplit(
  bytes: AsyncIterable<Buffer>,
  reader: DatasetReader,
  testRows: Uint8Array,
  profiler: DatasetProfiler,
  sinks: SplitSinks,
  hashed: boolean,
): Promise<WrittenSplit> {
  const hash = hashed ? createHash('sha256') : undefined;
  async function* teed(): AsyncGenerator<Buffer> {
    for await (const chunk of bytes) {
      hash?.update(chunk);
      await send(sinks.source, chunk);
      yield chunk;
    }
  }

  if (reader === 'plain') {
    const rows = await writePlainSplit(teed(), testRows, profiler, sinks);
    return { sha256: hash?.digest('hex'), rows };
  }
  let row = -1;
  for await (const { records, lines } of readCsv(teed(), reader)) {
    let train = '';
    let test = '';
    for (let i = 0; i < records.length; i++) {
      const { fields } = records[i] as CsvRecord;
      const line = lines ? `${lines[i]}\n` : formatCsvRow(fields);
      if (row === -1) {
        train = line;
        test = line;
      } else if (testRows[row] === 1) test += line;
      else {
        train += line;
        profiler.add(fields);
      }
      row++;
    }
    // Encoded at once: the text still points into the chunk it was cut from, and held across the
    // writes both would outlive the young generation and pile up as old garbage (RSS, not heap use).
    await Promise.all([train && send(sinks.train, Buffer.from(train)), test && send(sinks.test, Buffer.from(test))]);
  }
  return { sha256: hash?.digest('hex'), rows: Math.max(0, row) };
}

/**
 * The pass for a plain CSV (plain-csv.ts): lines are copied as they are, runs of neighbouring
 * lines bound for the same side at once, and the train rows profiled from their bytes.
 */
async function writePlainSplit(bytes: AsyncIterable<Buffer>, testRows: Uint8Array, profiler: DatasetProfiler, sinks: SplitSinks): Promise<number> {
  const columns = profiler.columns;
  let row = -1;
  let line = 0;
  for await (const block of plainLineBlocks(bytes, () => line)) {
    const sides = new BlockSides(block, row === -1);
    const words = wordsOf(block);
    for (let start = 0; start < block.length; ) {
      const end = block.indexOf(0x0a, start);
      line++;
      if (end > start) {
        if (row === -1) sides.takeHeader(start, end + 1);
        else {
          const side = testRows[row] as 0 | 1;
          sides.take(side, start, end + 1);
          // The rows' field counts are checked here, not by the pass that read the labels (readDatasetRows).
          if (side === 1 || profiler.addPlainLine(block, start, end) !== columns) checkPlainRow(block, start, end, line, columns, words);
        }
        row++;
      }
      start = end + 1;
    }
    const [train, test] = sides.bytes();
    await Promise.all([train && send(sinks.train, train), test && send(sinks.test, test)]);
  }
  return Math.max(0, row);
}

/**
 * The lines of a block bound for train and for test, copied out in runs (a run grows while the
 * lines taken are neighbours on the same side) into one buffer the size of the block, train's
 * lines at its front as they come and test's after them: one allocation a block, not one a side.
 */
class BlockSides {
  private readonly out: Buffer;
  private trainLength = 0;
  /** Test's runs as start and end offsets in the block, copied once train's length is known. */
  private readonly testRuns: number[] = [];
  private side: 0 | 1 = 0;
  private runStart = 0;
  private runEnd = 0;

  /** `withHeader`: the block may hold the header, which both sides take (so room for it twice). */
  constructor(
    private readonly block: Buffer,
    withHeader: boolean,
  ) {
    this.out = Buffer.allocUnsafe(withHeader ? 2 * block.length : block.length);
  }

  /** Takes the line [start, end) for `side` (0: train, 1: test). */
  take(side: 0 | 1, start: number, end: number): void {
    if (side !== this.side || start !== this.runEnd) {
      this.flush();
      this.side = side;
      this.runStart = start;
    }
    this.runEnd = end;
  }

  /** Takes the header line [start, end) for both sides. */
  takeHeader(start: number, end: number): void {
    this.take(0, start, end);
    this.take(1, start, end);
  }

  /** What train and test took, each undefined when it took nothing. */
  bytes(): [Buffer | undefined, Buffer | undefined] {
    this.flush();
    let length = this.trainLength;
    for (let i = 0; i < this.testRuns.length; i += 2) length += this.block.copy(this.out, length, this.testRuns[i], this.testRuns[i + 1]);
    const train = this.trainLength ? this.out.subarray(0, this.trainLength) : undefined;
    return [train, length > this.trainLength ? this.out.subarray(this.trainLength, length) : undefined];
  }

  private flush(): void {
    if (this.runEnd === this.runStart) return;
    if (this.side === 0) this.trainLength += this.block.copy(this.out, this.trainLength, this.runStart, this.runEnd);
    else this.testRuns.push(this.runStart, this.runEnd);
    this.runStart = this.runEnd;
  }
}

/** Writes, then waits for the sink to drain if it asked to; rejects if the sink is destroyed before or meanwhile. */
async function send(sink: Writable, data: string | Buffer): Promise<void> {
  if (sink.destroyed) throw sink.errored ?? new Error('a dataset sink was closed before the split was written');
  if (sink.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const closed = () => reject(sink.errored ?? new Error('a dataset sink was closed before the split was written'));
    sink.once('close', closed);
    sink.once('drain', () => {
      sink.off('close', closed);
      resolve();
    });
  });
}
