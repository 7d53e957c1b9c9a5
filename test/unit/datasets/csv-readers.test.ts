/**
 * The library-backed readers read what Kiln's hand-written reader read, record for record and
 * line for line, on every text it accepted: the reason stored versions keep their ids and
 * splits. Thousands of random texts made of the characters CSV readers disagree on, handed over
 * in random small chunks (splitting two-byte characters and CRLFs), are read by all three.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError } from '../../../core/datasets/csv.js';
import { type CsvReaderKind, readCsv } from '../../../core/datasets/csv-reader.js';
import { legacyParseCsv } from './legacy-parse-csv.js';

const ALPHABET = ['a', 'b', 'é', ',', ',', '"', '"', '\n', '\n', ' ', '\r', '\r\n'];

function lcg(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

function randomText(next: (n: number) => number, withCarriageReturns: boolean): string {
  const alphabet = withCarriageReturns ? ALPHABET : ALPHABET.filter((c) => !c.includes('\r'));
  let text = next(8) === 0 ? '\uFEFF' : '';
  for (let i = next(40); i > 0; i--) text += alphabet[next(alphabet.length)];
  return text;
}

function pieces(bytes: Buffer, next: (n: number) => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + next(7);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

async function read(text: string, kind: CsvReaderKind, next: (n: number) => number) {
  const records = [];
  for await (const batch of readCsv(Readable.from(pieces(Buffer.from(text), next)), kind)) records.push(...batch.records);
  return records;
}

function legacy(text: string) {
  try {
    return legacyParseCsv(text);
  } catch {
    return undefined;
  }
}

describe('the CSV readers', () => {
  it('read every text the old reader accepted as it did: csv-parse always, papaparse when there is no CR', async () => {
    const next = lcg(14);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const text = randomText(next, i % 2 === 0);
      const expected = legacy(text);
      const any = await read(text, 'any', next).catch((error: unknown) => error);
      if (!expected) {
        // Refused by both, as a CsvSyntaxError naming a line, never quoting the text.
        expect(any, JSON.stringify(text)).toBeInstanceOf(CsvSyntaxError);
        continue;
      }
      expect(any, JSON.stringify(text)).toEqual(expected);
      compared++;
      if (text.includes('\r')) continue;
      // A record of one empty field (`""`) reads as a blank line there: datasets of one column go to csv-parse.
      const lf = await read(text, 'lf', next);
      expect(lf, JSON.stringify(text)).toEqual(expected.filter((r) => !(r.fields.length === 1 && r.fields[0] === '')));
    }
    expect(compared).toBeGreaterThan(300);
  });

  it.each([
    ['lf', 'a,b\n1,"secret\n'],
    ['any', 'a,b\r\n1,"secret\r\n'],
    ['lf', 'a,b\n1,2\n"secret"y,3\n'],
    ['any', 'a,b\r\n1,2\r\n"secret"y,3\r\n'],
  ] as const)('report malformed quoting by the %s reader as a CsvSyntaxError naming the line', async (kind, text) => {
    const error = await read(text, kind, lcg(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as CsvSyntaxError).message).toMatch(/^line [23]: /);
    expect((error as CsvSyntaxError).message).not.toContain('secret');
  });

  it('hands over the text of each record when it needs no quoting, so it can be copied as is', async () => {
    const records = [];
    const lines = [];
    for await (const batch of readCsv(Readable.from([Buffer.from('a,b\n1,2\n\n3,4')]), 'lf')) {
      records.push(...batch.records);
      lines.push(...(batch.lines ?? []));
    }
    expect(records).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
      { fields: ['3', '4'], line: 4 },
    ]);
    expect(lines).toEqual(['a,b', '1,2', '3,4']);
  });
});
