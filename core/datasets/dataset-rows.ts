import { SpecValidationError } from '../errors.js';
import { CsvSyntaxError } from './csv.js';
import { type CsvReaderKind, readCsv } from './csv-reader.js';
import { retained } from './column-stats.js';
import type { LabelCodes } from './split-dataset.js';

/** What the first parsing pass learns of a dataset: its header and each row's label, compactly. */
export interface DatasetRows {
  columns: string[];
  labels: LabelCodes;
  /** The reader that read it, for the pass that writes the split. */
  reader: CsvReaderKind;
}

/**
 * Reads a dataset's CSV once, checking it as it goes: a header of distinct names holding the
 * target, every row as long as the header, at least two rows. Keeps only each row's label, as a
 * code of 1, 2 or 4 bytes. Bad input is a SpecValidationError on `dataset.path` (or
 * `dataset.target_column`) naming the line, never quoting the file.
 */
export async function readDatasetRows(open: () => Promise<AsyncIterable<Buffer>>, reader: CsvReaderKind, target: string): Promise<DatasetRows> {
  try {
    const rows = await readRows(await open(), reader, target);
    // A one-column file may hold rows of `""`, which papaparse cannot tell from blank lines.
    if (rows === 'one column') return (await readRows(await open(), 'any', target)) as DatasetRows;
    return rows;
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new SpecValidationError([{ path: 'dataset.path', message: error.message }], { cause: error });
    throw error;
  }
}

async function readRows(bytes: AsyncIterable<Buffer>, reader: CsvReaderKind, target: string): Promise<DatasetRows | 'one column'> {
  let columns: string[] | undefined;
  let targetIndex = -1;
  const labels = new LabelCollector();
  for await (const { records } of readCsv(bytes, reader)) {
    for (const { fields, line } of records) {
      if (!columns) {
        columns = fields;
        if (columns.length === 1 && reader === 'lf') return 'one column';
        checkColumns(columns, target);
        targetIndex = columns.indexOf(target);
        continue;
      }
      if (fields.length !== columns.length) {
        throw new SpecValidationError([{ path: 'dataset.path', message: `line ${line} has ${fields.length} field(s), the header has ${columns.length}` }]);
      }
      labels.add(fields[targetIndex] as string);
    }
  }
  if (!columns) throw new SpecValidationError([{ path: 'dataset.path', message: 'the CSV file is empty' }]);
  const codes = labels.finish();
  if (codes.codes.length < 2) {
    throw new SpecValidationError([{ path: 'dataset.path', message: `needs at least 2 data rows to split, has ${codes.codes.length}` }]);
  }
  return { columns, labels: codes, reader };
}

/** Labels as codes in a typed array that widens (1, 2, 4 bytes a row) only as distinct labels grow. */
class LabelCollector {
  private codes: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(1 << 16);
  private rows = 0;
  private readonly byLabel = new Map<string, number>();
  private readonly labels: string[] = [];

  add(label: string): void {
    let code = this.byLabel.get(label);
    if (code === undefined) {
      code = this.labels.length;
      const kept = retained(label);
      this.byLabel.set(kept, code);
      this.labels.push(kept);
      if (code === 256 || code === 65_536) this.resize(this.codes.length, code === 256 ? Uint16Array : Uint32Array);
    }
    if (this.rows === this.codes.length) this.resize(this.rows * 2, this.codes.constructor as typeof Uint32Array);
    this.codes[this.rows++] = code;
  }

  finish(): LabelCodes {
    // A copy of the used part: the doubled array is up to twice as long, and the split holds it.
    return { codes: this.codes.slice(0, this.rows), labels: this.labels };
  }

  private resize(length: number, Type: typeof Uint8Array | typeof Uint16Array | typeof Uint32Array): void {
    const wider = new Type(length);
    wider.set(this.codes.subarray(0, this.rows));
    this.codes = wider;
  }
}

/**
 * Messages name columns by position, never by content: the file may not be a dataset at all,
 * and its first line must not come back in an API answer or a run's error.
 */
function checkColumns(columns: string[], target: string): void {
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column))
      throw new SpecValidationError([
        { path: 'dataset.path', message: `column ${columns.indexOf(column) + 1} and column ${seen.size + 1} of the header have the same name` },
      ]);
    seen.add(column);
  }
  if (!seen.has(target)) {
    throw new SpecValidationError([
      {
        path: 'dataset.target_column',
        message: `column "${target}" is not in the CSV header (${columns.length} column${columns.length === 1 ? '' : 's'})`,
      },
    ]);
  }
}
