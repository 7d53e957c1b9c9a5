/**
 * A plain CSV (no quote, no carriage return, UTF-8) is read from its bytes (plain-csv.ts); every
 * other file by the CSV libraries. Here both read the same plain files, generated with what
 * byte-level reading could get wrong (byte-order mark, blank lines, a missing final newline,
 * multi-byte characters, every shape of number, empty and one-column rows), fed in chunks of
 * every size: the versions, splits, profiles and errors must be the same.
 */
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cellValue } from '../../../core/monitoring/cell-values.js';
import { type DatasetReader, scanDataset } from '../../../core/datasets/dataset-scan.js';
import { versionDataset } from '../../../core/datasets/dataset-version.js';
import { countFields, PlainField, readPlainField } from '../../../core/datasets/plain-csv.js';
import { SpecValidationError } from '../../../core/errors.js';
import { DatasetSpec } from '../../../core/specs/dataset.js';

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 1;
  };
}

const NUMBERS = [
  '0',
  '-0',
  '007',
  '5.',
  '1.50',
  '-12.125',
  '.5',
  '-.5',
  '1e3',
  ' 4 ',
  '123456789012345',
  '1234567890123456',
  '0.1234567890123456',
  '9007199254740993',
  '0x1f',
  '-',
  '1.2.3',
  '3,',
];
const WORDS = ['', 'NA', '?', 'café', '東京', 'a b', '__proto__', 'null', 'x'];

/** A plain CSV of `rows` rows from `seed`: a numeric column, a mixed one, a text one and a label. */
function plainCsv(seed: number, rows: number, options: { bom?: boolean; finalNewline?: boolean; blankLines?: boolean } = {}): Buffer {
  const next = lcg(seed);
  let text = `${options.bom ? '\uFEFF' : ''}x,mixed,word,label\n`;
  for (let i = 0; i < rows; i++) {
    const r = next();
    const x = r % 3 === 0 ? ((r % 100_000) / 7).toFixed(r % 5) : String((r % 2000) - 1000);
    const mixed = r % 4 === 0 ? (WORDS[r % WORDS.length] as string) : (NUMBERS[(r >>> 3) % NUMBERS.length] as string).replace(',', '');
    const word = WORDS[(r >>> 7) % WORDS.length] as string;
    const label = ['yes', 'no', 'ノー', 'rare'][(r >>> 11) % 4] as string;
    text += `${x},${mixed},${word},${label}\n`;
    if (options.blankLines && r % 17 === 0) text += '\n';
  }
  return Buffer.from(options.finalNewline === false ? text.slice(0, -1) : text, 'utf8');
}

const spec = (target = 'label') => DatasetSpec.parse({ name: 'plain', path: 'plain.csv', target_column: target, split: { seed: 3 } });

function chunked(bytes: Buffer, size: number): () => Promise<AsyncIterable<Buffer>> {
  return async () => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));
}

/** versionDataset with the reader forced, the split's texts collected; or the SpecValidationError's problem. */
async function version(bytes: Buffer, reader: DatasetReader, chunkSize: number, target?: string) {
  const open = chunked(bytes, chunkSize);
  const scan = { ...(await scanDataset(await open())), reader };
  const texts: Promise<string>[] = [];
  const openSinks = () => {
    const sinks = { source: new PassThrough(), train: new PassThrough(), test: new PassThrough() };
    for (const sink of Object.values(sinks)) sink.on('error', () => undefined);
    for (const sink of Object.values(sinks)) texts.push(collect(sink));
    for (const text of texts) text.catch(() => undefined);
    return sinks;
  };
  try {
    const { manifest, profile } = await versionDataset(spec(target), open, scan, openSinks);
    const [source, train, test] = await Promise.all(texts);
    return { manifest, profile, source, train, test };
  } catch (error) {
    if (error instanceof SpecValidationError) return { problem: error.problems[0] };
    throw error;
  }
}

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('reading a plain CSV from its bytes', () => {
  it.each([
    ['plain', 1, {}],
    ['with a byte-order mark and blank lines', 2, { bom: true, blankLines: true }],
    ['without a final newline', 3, { finalNewline: false }],
  ] as const)('versions a file %s exactly as the CSV library does, whatever the chunk size', async (_label, seed, options) => {
    const bytes = plainCsv(seed, 3000, options);
    expect((await scanDataset(Readable.from([bytes]))).reader).toBe('plain');
    const expected = await version(bytes, 'lf', 1 << 20);
    expect(expected.manifest?.rows).toBe(3000);
    for (const chunkSize of [1, 2, 3, 7, 64, 4096, 1 << 20]) {
      expect(await version(bytes, 'plain', chunkSize), `chunks of ${chunkSize}`).toEqual(expected);
    }
  });

  it.each(['x', 'word'])('finds a target that is not the last column (%s) as the library does', async (target) => {
    const bytes = plainCsv(5, 2000, { blankLines: true });
    const expected = await version(bytes, 'lf', 1 << 20, target);
    expect(expected.manifest?.target_column).toBe(target);
    for (const chunkSize of [3, 4096]) expect(await version(bytes, 'plain', chunkSize, target)).toEqual(expected);
  });

  it('profiles a train split past the exact size (a sample plus exact counts) as the library path does', async () => {
    // 4 columns: the profile keeps 262,144 rows whole; more train rows than that go to the sample.
    const bytes = plainCsv(4, 340_000);
    const [expected, actual] = [await version(bytes, 'lf', 256 * 1024), await version(bytes, 'plain', 256 * 1024)];
    expect(expected.manifest?.train_rows).toBeGreaterThan(262_144);
    expect(actual).toEqual(expected);
  });

  it.each([
    ['a ragged row', 'a,label\n1,x\n2,y,z\n3,x\n', undefined],
    ['a ragged row after blank lines', 'a,label\n\n1,x\n\n\n2\n3,x\n', undefined],
    ['a long row late in the file', `a,label\n${'1,x\n2,y\n'.repeat(40)}3,x,z\n4,y\n`, undefined],
    ['a short row late in the file, the target first', `label,a\n${'x,1\ny,2\n'.repeat(40)}z\n`, 'label'],
    ['a ragged row, the target in the middle', `a,label,b\n${'1,x,2\n3,y,4\n'.repeat(40)}5,y\n`, 'label'],
    ['a ragged row and a target of unique values', `a,label\n${Array.from({ length: 50 }, (_, i) => `${i},${i}`).join('\n')}\n99\n`, undefined],
    ['a ragged single row', 'a,label\n1,x,2\n', undefined],
    ['too few rows', 'a,label\n1,x\n', undefined],
    ['an empty file', '', undefined],
    ['only a byte-order mark', '\uFEFF', undefined],
    ['two short lines', 'a\nb\n', 'a'],
    ['a missing target', 'a,b\n1,2\n3,4\n', undefined],
    ['a repeated column', 'a,a,label\n1,2,x\n3,4,y\n', undefined],
    ['a one-column file', 'label\nx\n\ny\nx\n', 'label'],
  ])('answers %s as the library path does', async (label, text, target) => {
    const bytes = Buffer.from(text, 'utf8');
    const expected = await version(bytes, 'lf', 1 << 20, target);
    if (/ragged|row late/.test(label)) expect(expected.problem?.message).toMatch(/^line \d+ has \d field\(s\), the header has \d$/);
    for (const chunkSize of [1, 2, 5, 1 << 20]) expect(await version(bytes, 'plain', chunkSize, target)).toEqual(expected);
  });

  it('refuses a line longer than a record may be, naming it, as the library path does', async () => {
    const bytes = Buffer.from(`a,label\n1,x\n\n${'9'.repeat(17 * 1024 * 1024)},y\n2,x\n`, 'utf8');
    const expected = await version(bytes, 'lf', 256 * 1024);
    expect(expected.problem?.message).toMatch(/^line 4: a record is longer than 16 MiB/);
    expect(await version(bytes, 'plain', 256 * 1024)).toEqual(expected);
  });

  it("counts a line's fields as its commas say, from any offset, at any length, whatever its other bytes", () => {
    const next = lcg(7);
    // Commas among the bytes a wrong word trick would take for one: a comma's neighbours, it with its top bit set, zero, 0xff.
    const alphabet = [0x2c, 0x2c, 0x2b, 0x2d, 0xac, 0x00, 0xff, 0x30, 0x39, 0x2e, 0x0a, 0x80, 0x7f, 0xe6];
    const bytes = Buffer.from(Array.from({ length: 4096 }, () => alphabet[next() % alphabet.length]!));
    // Also a block cut from a larger buffer at an odd offset, as a chunk's lines are.
    const cut = Buffer.concat([Buffer.from('xyz'), bytes]).subarray(3);
    for (let i = 0; i < 5_000; i++) {
      const start = next() % bytes.length;
      const end = Math.min(bytes.length, start + (next() % 40));
      let commas = 0;
      for (let at = start; at < end; at++) if (bytes[at] === 0x2c) commas++;
      expect(countFields(bytes, start, end), `[${start}, ${end})`).toBe(commas + 1);
      expect(countFields(cut, start, end), `cut [${start}, ${end})`).toBe(commas + 1);
    }
  });

  it('reads a number of the usual shape exactly as Number() does, and leaves every other cell to cellValue', () => {
    const next = lcg(99);
    const cells = [...NUMBERS.filter((cell) => !cell.includes(',')), ...WORDS, '1.7976931348623157', '-999999999999999', '0.000000000000001'];
    for (let i = 0; i < 20_000; i++) {
      const r = next();
      cells.push(`${r % 2 ? '-' : ''}${r % 100_000}.${String(next() % 1_000_000).padStart(r % 7, '0')}`);
    }
    const field = new PlainField();
    const read = (text: string) => {
      const bytes = Buffer.from(`${text},x`, 'utf8');
      readPlainField(bytes, 0, bytes.length, field);
      expect(field.end).toBe(bytes.length - 2);
      return field.number;
    };
    for (const cell of cells) {
      const number = read(cell);
      if (!Number.isNaN(number)) expect(Object.is(number, cellValue(cell)), cell).toBe(true);
    }
    // The fast path takes the usual shapes, not only the trivial ones.
    expect(read('-12.125')).toBe(-12.125);
    expect(read('5.')).toBe(5);
    expect(read('1e3')).toBeNaN();
    expect(read('')).toBeNaN();
  });
});

describe('choosing the reader', () => {
  it('is plain only for UTF-8 with no quote and no carriage return, a character split across chunks included', async () => {
    const scan = async (...chunks: Buffer[]) => (await scanDataset(Readable.from(chunks))).reader;
    const text = Buffer.from('a,label\ncafé,東京\n', 'utf8');
    const at = text.indexOf(0xe6) + 1;
    expect(await scan(text.subarray(0, at), text.subarray(at))).toBe('plain');
    expect(await scan(Buffer.from('a,label\n"x",y\n'))).toBe('lf');
    expect(await scan(Buffer.from('a,label\r\nx,y\r\n'))).toBe('any');
    expect(await scan(Buffer.from([...Buffer.from('a,label\nx,'), 0xff, 0x0a]))).toBe('lf');
    expect(await scan(Buffer.from([...Buffer.from('a,label\nx,'), 0xe6]))).toBe('lf');
  });
});
