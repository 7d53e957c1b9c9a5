import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, formatCsv } from '../../../core/datasets/csv.js';
import { parseCsv } from '../../../core/datasets/csv-reader.js';

const fieldsOf = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv', () => {
  it.each([
    [
      'plain rows',
      'a,b\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'CRLF line endings',
      'a,b\r\n1,2\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'no trailing newline',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'a quoted comma',
      'a,b\n"x,y",2\n',
      [
        ['a', 'b'],
        ['x,y', '2'],
      ],
    ],
    ['doubled quotes', 'a\n"say ""hi"""\n', [['a'], ['say "hi"']]],
    [
      'a line break inside quotes',
      'a,b\n"two\r\nlines",2\n',
      [
        ['a', 'b'],
        ['two\r\nlines', '2'],
      ],
    ],
    [
      'empty fields',
      'a,b,c\n,,\n',
      [
        ['a', 'b', 'c'],
        ['', '', ''],
      ],
    ],
    ['a quoted empty field', 'a\n""\n', [['a'], ['']]],
    [
      'a byte-order mark',
      '\uFEFFa,b\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'blank lines',
      'a,b\n\n1,2\n\r\n\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'spaces kept as data',
      'a, b\n 1 ,2\n',
      [
        ['a', ' b'],
        [' 1 ', '2'],
      ],
    ],
  ])('reads %s', (_label, text, expected) => {
    expect(fieldsOf(text)).toEqual(expected);
  });

  it('reports the line each record starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('a,b\n"x\ny",1\n\nz,2\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it.each([
    ['an unclosed quote', 'a\n"open\n', 2],
    ['text after a closing quote', 'a\n"x"y\n', 2],
    ['a bare quote inside a field', 'a\nb\nx"y\n', 3],
  ])('rejects %s with its line number', (_label, text, line) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as CsvSyntaxError).line).toBe(line);
  });
});

describe('formatCsv', () => {
  it('quotes only fields that need it', () => {
    expect(formatCsv([['a', 'b,c', 'say "hi"', 'x\ny', '']])).toBe('a,"b,c","say ""hi""","x\ny",\n');
  });

  it('round-trips through parseCsv', () => {
    const rows = [
      ['id', 'text'],
      ['1', 'comma, quote " and\r\nCRLF'],
      ['2', ''],
    ];
    expect(fieldsOf(formatCsv(rows))).toEqual(rows);
  });
});
