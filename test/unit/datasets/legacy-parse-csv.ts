/**
 * The hand-written CSV reader Kiln used before datasets were streamed (core/datasets/csv.ts at
 * a171e81), kept verbatim as the oracle the library-backed readers are compared with: every
 * file it accepted must read the same, so stored versions keep their ids and splits.
 */
import { type CsvRecord as LegacyCsvRecord, CsvSyntaxError as LegacyCsvSyntaxError } from '../../../core/datasets/csv.js';

/**
 * Parses CSV text into records. A leading byte-order mark is dropped and blank lines are
 * skipped (spreadsheet exports often end with several).
 */
export function legacyParseCsv(text: string): LegacyCsvRecord[] {
  const records: LegacyCsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const startLine = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        blank = false;
        i++;
        for (;;) {
          if (i >= text.length) throw new LegacyCsvSyntaxError(startLine, 'quoted field is never closed');
          const ch = text[i] as string;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new LegacyCsvSyntaxError(line, 'unexpected text after a closing quote (quotes inside a field must be doubled)');
        }
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        field = text.slice(start, i);
        if (field.includes('"')) throw new LegacyCsvSyntaxError(line, 'a field containing quotes must itself be quoted');
        if (field !== '') blank = false;
      }
      fields.push(field);
      if (text[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      break;
    }
    // End of record: CRLF, LF, a lone CR, or end of text.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (!blank) records.push({ fields, line: startLine });
  }
  return records;
}
