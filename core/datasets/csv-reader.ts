import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, type Info, parse as csvParse, type Options as CsvParseOptions } from 'csv-parse';
import { parse as csvParseSync } from 'csv-parse/sync';
import Papa from 'papaparse';
import { type CsvRecord, CsvSyntaxError } from './csv.js';

/**
 * Which library reads a file. Both read what Kiln's first, hand-written reader read, record for
 * record (test/unit/datasets/csv-readers.test.ts compares them with it): a byte-order mark is
 * dropped, blank lines are skipped, quotes follow RFC 4180. Where the old reader refused a
 * file they may differ: papaparse keeps a quote inside an unquoted field as a character (as
 * pandas does) and allows spaces after a closing quote, csv-parse refuses both as it did.
 * - `lf`: papaparse, some five times faster. Only for text with no carriage return at all,
 *   since it takes one line ending per file where the old reader took CRLF, LF and CR mixed;
 *   and it reads a record of one quoted empty field (`""`) as a blank line, so a file of one
 *   column goes to csv-parse (readDatasetRows).
 * - `any`: csv-parse, which takes every line ending, mixed.
 */
export type CsvReaderKind = 'lf' | 'any';

/** A record, or a quote left open, longer than this is refused: it would have to be held whole. */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/**
 * A batch of records. `lines`, when given, holds each record's text as it stood in the file,
 * without its line ending: only for text with no quote, where that text is exactly what
 * formatCsv writes for the record, so it can be copied instead of written again.
 */
export interface CsvBatch {
  records: CsvRecord[];
  lines?: string[];
}

const CSV_PARSE_OPTIONS: CsvParseOptions = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  max_record_size: MAX_RECORD_CHARS,
  info: true,
};

/** Records of CSV bytes, in batches, read by `kind`'s library. Throws CsvSyntaxError on malformed text. */
export function readCsv(bytes: AsyncIterable<Buffer>, kind: CsvReaderKind): AsyncGenerator<CsvBatch> {
  return kind === 'lf' ? readWithPapaparse(bytes) : readWithCsvParse(bytes);
}

/** Every record of a CSV text, read as `any` reads it; for small texts (a stored split, a test). */
export function parseCsv(text: string): CsvRecord[] {
  try {
    const lines = new LineCounter();
    return (csvParseSync(text, CSV_PARSE_OPTIONS) as unknown as { record: string[]; info: Info }[]).map(({ record, info }) => ({
      fields: record,
      line: lines.next(record, info),
    }));
  } catch (error) {
    throw syntaxErrorOf(error, new LineCounter());
  }
}

async function* readWithCsvParse(bytes: AsyncIterable<Buffer>): AsyncGenerator<CsvBatch> {
  // pipeline, not pipe: a failing source fails the iteration instead of leaving it waiting.
  const records = pipeline(Readable.from(bytes), csvParse(CSV_PARSE_OPTIONS), () => undefined);
  let batch: CsvRecord[] = [];
  const lines = new LineCounter();
  try {
    for await (const { record, info } of records as AsyncIterable<{ record: string[]; info: Info }>) {
      batch.push({ fields: record, line: lines.next(record, info) });
      if (batch.length === 4096) {
        yield { records: batch };
        batch = [];
      }
    }
  } catch (error) {
    throw syntaxErrorOf(error, lines);
  }
  if (batch.length) yield { records: batch };
}

async function* readWithPapaparse(bytes: AsyncIterable<Buffer>): AsyncGenerator<CsvBatch> {
  // Papa's own stream readers drop its errors; its Parser is fed chunk by chunk instead, the
  // unfinished last record carried over, as Papa's ChunkStreamer does.
  const parser = new Papa.Parser({ delimiter: ',', newline: '\n', quoteChar: '"' });
  const decoder = new StringDecoder('utf8');
  let carried = '';
  let line = 1;
  let first = true;
  const parseChunk = (text: string, last: boolean): CsvBatch => {
    const input = carried + text;
    const quoted = input.includes('"');
    const result = parser.parse(input, 0, !last) as Papa.ParseResult<string[]>;
    carried = input.slice(result.meta.cursor);
    const failedAt = result.errors[0]?.row ?? Number.POSITIVE_INFINITY;
    const records: CsvRecord[] = [];
    const lines: string[] | undefined = quoted ? undefined : [];
    let offset = 0;
    for (let i = 0; i < result.data.length && i < failedAt; i++) {
      const fields = result.data[i] as string[];
      // Without quotes a record's text is its fields and the commas between them.
      let length = fields.length - 1;
      if (lines) for (const field of fields) length += field.length;
      // A blank line reads as one empty field; the old reader skipped blank lines.
      if (fields.length === 1 && fields[0] === '') line += 1;
      else {
        records.push({ fields, line });
        lines?.push(input.slice(offset, offset + length));
        line += 1 + (quoted ? newlinesIn(fields) : 0);
      }
      offset += length + 1;
    }
    const error = result.errors[0];
    if (error) throw new CsvSyntaxError(line, error.code === 'MissingQuotes' ? NEVER_CLOSED : TEXT_AFTER_QUOTE);
    if (carried.length > MAX_RECORD_CHARS) throw new CsvSyntaxError(line, TOO_LONG);
    return lines ? { records, lines } : { records };
  };
  for await (const chunk of bytes) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const batch = parseChunk(text, false);
    if (batch.records.length) yield batch;
  }
  const batch = parseChunk(decoder.end(), true);
  if (batch.records.length) yield batch;
}

const NEVER_CLOSED = 'quoted field is never closed';
const TEXT_AFTER_QUOTE = 'unexpected text after a closing quote (quotes inside a field must be doubled)';
const TOO_LONG = `a record is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB (or a quote is never closed)`;

/** csv-parse's codes as the old reader's messages; never its own message, which quotes the file. */
function syntaxErrorOf(error: unknown, lines: LineCounter): unknown {
  if (!(error instanceof CsvError)) return error;
  const line = lines.failedAt(error as unknown as Info);
  const message =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? NEVER_CLOSED
      : error.code === 'CSV_INVALID_CLOSING_QUOTE'
        ? TEXT_AFTER_QUOTE
        : error.code === 'INVALID_OPENING_QUOTE'
          ? 'a field containing quotes must itself be quoted'
          : error.code === 'CSV_MAX_RECORD_SIZE'
            ? TOO_LONG
            : `malformed CSV (${error.code})`;
  return new CsvSyntaxError(line, message);
}

/**
 * The line a csv-parse record starts on, counted as the old reader did: one per record ending
 * and skipped blank line, one per LF inside quotes (csv-parse's own count differs on CRs in quotes).
 */
class LineCounter {
  private records = 0;
  private newlines = 0;

  next(record: readonly string[], info: Info): number {
    const line = 1 + this.records++ + info.empty_lines + this.newlines;
    this.newlines += newlinesIn(record);
    return line;
  }

  /** Where the record csv-parse failed on starts; without line breaks in quotes before it when those records went unseen. */
  failedAt(info: Info): number {
    return 1 + info.records + info.empty_lines + (info.records === this.records ? this.newlines : 0);
  }
}

function newlinesIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) count++;
  return count;
}
