import { createHash } from 'node:crypto';
import type { CsvReaderKind } from './csv-reader.js';

/** What one cheap pass over a dataset's bytes tells, before any of it is parsed. */
export interface DatasetScan {
  /** sha256 of the bytes: with the split parameters it names the version. */
  sha256: string;
  bytes: number;
  /** The reader for these bytes: the faster one unless a carriage return occurs anywhere. */
  reader: CsvReaderKind;
}

/** Hashes a dataset's bytes and picks its CSV reader; reads at disk speed, parses nothing. */
export async function scanDataset(bytes: AsyncIterable<Buffer>): Promise<DatasetScan> {
  const hash = createHash('sha256');
  let size = 0;
  let carriageReturn = false;
  for await (const chunk of bytes) {
    hash.update(chunk);
    size += chunk.length;
    carriageReturn ||= chunk.includes(0x0d);
  }
  return { sha256: hash.digest('hex'), bytes: size, reader: carriageReturn ? 'any' : 'lf' };
}
