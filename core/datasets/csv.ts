/**
 * CSV records and their writer. Reading is done by libraries (csv-reader.ts); what every
 * reader produces is a CsvRecord, and what every one throws on malformed text is a CsvSyntaxError.
 */

/** One record and the 1-based line it starts on, for error messages. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Malformed CSV; `line` is where the offending record starts. Messages never quote the file. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/** Quotes a field only when it needs it, so plain data round-trips byte for byte. */
function formatField(field: string): string {
  return NEEDS_QUOTES.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** One row as a CSV line with its LF: what formatCsv writes for it. */
export function formatCsvRow(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += i === 0 ? formatField(fields[i] as string) : `,${formatField(fields[i] as string)}`;
  return `${line}\n`;
}

/** Serialises rows with LF line endings and a trailing newline. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map(formatCsvRow).join('');
}
