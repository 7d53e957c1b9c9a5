import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../core/executors/local/line-splitter.js';

function split(chunks: (string | Buffer)[], maxLineBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxLineBytes);
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
}

const euro = Buffer.from('€');

describe('LineSplitter', () => {
  it.each([
    ['lines in one chunk', ['a\nb\n'], ['a', 'b']],
    ['a line across chunks and an unterminated last line', ['a', 'b\nc'], ['ab', 'c']],
    ['empty lines', ['\n\n'], ['', '']],
    ['CRLF, also when \\r and \\n arrive apart', ['x\r\n', 'y\r', '\n'], ['x', 'y']],
    ['a bare \\r inside a line', ['a\rb\n'], ['a\rb']],
    ['a trailing \\r at the end of output', ['z\r'], ['z']],
    ['a UTF-8 character split across chunks', [euro.subarray(0, 1), euro.subarray(1), '\n'], ['€']],
    ['no output at all', [], []],
  ])('handles %s', (_label, chunks, expected) => {
    expect(split(chunks)).toEqual(expected);
  });

  it.each([
    ['a long line', ['abcdefghijkl\n'], ['abcdefgh', 'ijkl']],
    ['a line of exactly the cap', ['abcdefgh\n'], ['abcdefgh']],
    ['a long line across chunks', ['abcde', 'fghij\n'], ['abcdefgh', 'ij']],
    ['a line of exactly the cap across chunks', ['abcdefgh', '\nnext'], ['abcdefgh', 'next']],
  ])('cuts %s into pieces of at most maxLineBytes', (_label, chunks, expected) => {
    expect(split(chunks, 8)).toEqual(expected);
  });

  it('never cuts inside a UTF-8 character', () => {
    expect(split(['aé€\n'], 4)).toEqual(['aé', '€']);
  });

  it('makes progress on binary output made of continuation bytes', () => {
    const lines = split([Buffer.alloc(20, 0x80)], 4);
    expect(lines).toHaveLength(5);
  });

  it('refuses a cap too small to hold one character', () => {
    expect(() => new LineSplitter(() => {}, 3)).toThrow(RangeError);
  });
});
