import { describe, expect, it } from 'vitest';
import { categoryKey, cellValue, numericValue } from '../../../core/monitoring/cell-values.js';

/** What cellValue must equal: numericValue, else categoryKey. */
const expected = (text: string) => numericValue(text) ?? categoryKey(text);

describe('cellValue', () => {
  it.each([
    '0',
    '12',
    '1.5',
    '1.',
    '.5',
    '+.5',
    '-0',
    '1e3',
    '1E+3',
    '1.5e-3',
    '1e400',
    '01',
    '007.50',
    ' 4.5 ',
    '4.5 ',
    '1 2',
    '1,5',
    '0x1f',
    '0X1F',
    '0b101',
    '0B1',
    '0o17',
    '0O7',
    '1_000',
    '12abc',
    '1e',
    '1e+',
    'Infinity',
    '-Infinity',
    'NaN',
    'nan',
    'NA',
    'n/a',
    '',
    ' ',
    '?',
    'null',
    'None',
    '<NA>',
    '#N/A',
    'abc',
    ' spaced ',
    '\u00a01',
    '1\u00a0',
    '٣',
    '1n',
    '0.',
    '00',
    '9'.repeat(400),
  ])('reads %j as numericValue then categoryKey would', (text) => {
    expect(cellValue(text)).toBe(expected(text));
  });

  it('agrees with them on thousands of random cells', () => {
    const alphabet = ['0', '1', '9', '.', 'e', 'E', '+', '-', 'x', 'b', 'o', ' ', 'a', 'n', '_', '\t'];
    let state = 7;
    const next = (n: number) => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let length = next(8); length > 0; length--) text += alphabet[next(alphabet.length)];
      expect(cellValue(text), JSON.stringify(text)).toBe(expected(text));
    }
  });
});
