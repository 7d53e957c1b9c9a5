import { SpecValidationError } from '../errors.js';
import { CsvSyntaxError } from './csv.js';
import { readCsv } from './csv-reader.js';
import { retained } from './column-stats.js';
import type { DatasetReader } from './dataset-scan.js';
import { countFields, FieldBounds, locateField, plainFields, plainLineBlocks, wordsOf } from './plain-csv.js';
import type { LabelCodes } from './split-dataset.js';

/** What the first parsing pass learns of a dataset: its header and each row's label, compactly. */
export interface DatasetRows {
  columns: string[];
  labels: LabelCodes;
  /** The reader that read it, for the pass that writes the split. */
  reader: DatasetReader;
}

/**
 * Reads a dataset's CSV once, checking it as it goes: a header of distinct names holding the
 * target, every row as long as the header, at least two rows. Keeps only each row's label, as a
 * code of 1, 2 or 4 bytes. Bad input is a SpecValidationError on `dataset.path` (or
 * `dataset.target_column`) naming the line, never quoting the file.
 */
export async function readDatasetRows(open: () => Promise<AsyncIterable<Buffer>>, reader: DatasetReader, target: string): Promise<DatasetRows> {
  try {
    if (reader === 'plain') return await readPlainRows(await open(), target);
    const rows = await readRows(await open(), reader, target);
    // A one-column file may hold rows of `""`, which papaparse cannot tell from blank lines.
    if (rows === 'one column') return (await readRows(await open(), 'any', target)) as DatasetRows;
    return rows;
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new SpecValidationError([{ path: 'dataset.path', message: error.message }], { cause: error });
    throw error;
  }
}

async function readRows(bytes: AsyncIterable<Buffer>, reader: 'lf' | 'any', target: string): Promise<DatasetRows | 'one column'> {
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
      if (fields.length !== columns.length) throw raggedRow(line, fields.length, columns.length);
      labels.add(fields[targetIndex] as string);
    }
  }
  return finishRows(columns, labels, reader);
}

/**
 * readRows for a plain CSV (plain-csv.ts), from its bytes: only the label of each row is looked
 * at (from the line's end when it is the last column), and a string made of it alone. Field
 * counts are checked by the pass that writes the split, which reads every field anyway
 * (writeDatasetSplit); here only the first row's, so a file too short to split that also has a
 * ragged row is answered as the library path answers it.
 */
async function readPlainRows(bytes: AsyncIterable<Buffer>, target: string): Promise<DatasetRows> {
  let columns: string[] | undefined;
  let targetIndex = -1;
  const labels = new LabelCollector();
  const label = new FieldBounds();
  let line = 0;
  let checked = false;
  for await (const block of plainLineBlocks(bytes, () => line)) {
    for (let start = 0; start < block.length; ) {
      const end = block.indexOf(0x0a, start);
      line++;
      if (end === start) {
        // A blank line, skipped as the libraries skip it.
      } else if (!columns) {
        columns = plainFields(block, start, end);
        checkColumns(columns, target);
        targetIndex = columns.indexOf(target);
      } else {
        if (!checked) {
          checkPlainRow(block, start, end, line, columns.length);
          checked = true;
        }
        locateField(block, start, end, targetIndex, targetIndex === columns.length - 1, label);
        labels.addBytes(block, label.start, label.end);
      }
      start = end + 1;
    }
  }
  return finishRows(columns, labels, 'plain');
}

/** Every row of a plain CSV has as many fields as its header: for error paths, where the split was not written. */
export async function checkPlainRows(bytes: AsyncIterable<Buffer>, columns: number): Promise<void> {
  let line = 0;
  let header = true;
  for await (const block of plainLineBlocks(bytes, () => line)) {
    const words = wordsOf(block);
    for (let start = 0; start < block.length; ) {
      const end = block.indexOf(0x0a, start);
      line++;
      if (end > start && !header) checkPlainRow(block, start, end, line, columns, words);
      if (end > start) header = false;
      start = end + 1;
    }
  }
}

/** Throws the ragged-row error for the line [start, end) unless it has `columns` fields (`words`: see countFields). */
export function checkPlainRow(block: Buffer, start: number, end: number, line: number, columns: number, words?: DataView): void {
  const fields = countFields(block, start, end, words);
  if (fields !== columns) throw raggedRow(line, fields, columns);
}

export function raggedRow(line: number, fields: number, columns: number): SpecValidationError {
  return new SpecValidationError([{ path: 'dataset.path', message: `line ${line} has ${fields} field(s), the header has ${columns}` }]);
}

function finishRows(columns: string[] | undefined, labels: LabelCollector, reader: DatasetReader): DatasetRows {
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
  /** Codes of labels of up to 6 bytes by a number made of their bytes: most labels, found without making a string. */
  private readonly byShortBytes = new Map<number, number>();
  private readonly labels: string[] = [];

  add(label: string): void {
    this.push(this.codeOf(label));
  }

  /** add() for the label in bytes [start, end) of `block`, valid UTF-8. */
  addBytes(block: Buffer, start: number, end: number): void {
    if (end - start > 6) {
      this.add(block.toString('utf8', start, end));
      return;
    }
    // The length leads, so labels of different lengths never share a number (7 × 2^48 < 2^53).
    let key = end - start;
    for (let at = start; at < end; at++) key = key * 256 + (block[at] as number);
    let code = this.byShortBytes.get(key);
    if (code === undefined) {
      code = this.codeOf(block.toString('utf8', start, end));
      this.byShortBytes.set(key, code);
    }
    this.push(code);
  }

  private codeOf(label: string): number {
    let code = this.byLabel.get(label);
    if (code === undefined) {
      code = this.labels.length;
      const kept = retained(label);
      this.byLabel.set(kept, code);
      this.labels.push(kept);
      if (code === 256 || code === 65_536) this.resize(this.codes.length, code === 256 ? Uint16Array : Uint32Array);
    }
    return code;
  }

  private push(code: number): void {
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
