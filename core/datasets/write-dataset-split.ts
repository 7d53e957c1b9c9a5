import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { type CsvRecord, formatCsvRow } from './csv.js';
import { type CsvReaderKind, readCsv } from './csv-reader.js';
import type { DatasetProfiler } from './dataset-profile.js';

/** Where the pass that writes a version sends its bytes. */
export interface SplitSinks {
  /** The source bytes, unchanged. */
  source: Writable;
  /** CSV with the header, LF line endings, fields quoted only where needed. */
  train: Writable;
  test: Writable;
}

export interface WrittenSplit {
  /** sha256 of the bytes read this time: the caller compares it with the scan's. */
  sha256: string;
  rows: number;
}

/**
 * The second parsing pass: each row goes to train or test as `testRows` says (1: test), the
 * train rows also to `profiler`, and the bytes as they are to `sinks.source`. Writes wait for
 * slow sinks, so memory stays at a chunk or two. The sinks are left open: the caller ends them
 * once it has checked the bytes were the scanned ones, or destroys them.
 */
export async function writeDatasetSplit(
  bytes: AsyncIterable<Buffer>,
  reader: CsvReaderKind,
  testRows: Uint8Array,
  profiler: DatasetProfiler,
  sinks: SplitSinks,
): Promise<WrittenSplit> {
  const hash = createHash('sha256');
  async function* teed(): AsyncGenerator<Buffer> {
    for await (const chunk of bytes) {
      hash.update(chunk);
      await send(sinks.source, chunk);
      yield chunk;
    }
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
  return { sha256: hash.digest('hex'), rows: Math.max(0, row) };
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
