import { describe, expect, it } from 'vitest';
import { inParts, MIN_PART_SIZE, partSizeFor } from '../../../core/artifacts/s3/s3-upload.js';

/** Copies each part out, since inParts reuses one buffer for all of them. */
async function collect(source: Iterable<Buffer | string>, partSize: number, expectedSize: number): Promise<string[]> {
  const parts: string[] = [];
  for await (const part of inParts(source, partSize, expectedSize)) parts.push(part.toString());
  return parts;
}

describe('partSizeFor', () => {
  it.each([
    [0, MIN_PART_SIZE],
    [50 * 1024 * 1024, MIN_PART_SIZE],
    [80 * 1024 * 1024 * 1024, 9 * 1024 * 1024],
    [5 * 1024 ** 4, 525 * 1024 * 1024],
  ])('gives %d bytes parts of %d bytes, never more than 10,000 of them', (size, partSize) => {
    expect(partSizeFor(size)).toBe(partSize);
    expect(Math.ceil(size / partSizeFor(size))).toBeLessThanOrEqual(10_000);
  });
});

describe('inParts', () => {
  it.each([
    ['chunks smaller than a part', ['ab', 'cd', 'ef', 'g'], ['abcd', 'efg']],
    ['a chunk spanning several parts', ['abcdefghij'], ['abcd', 'efgh', 'ij']],
    ['an exact multiple of the part size', ['abcd', 'efgh'], ['abcd', 'efgh']],
    ['strings, as UTF-8', ['é', 'éé'], ['éé', 'é']],
  ])('re-chunks %s into full parts and a shorter last one', async (_label, source, parts) => {
    expect(await collect(source, 4, 100)).toEqual(parts);
  });

  it('yields one empty part for an empty source', async () => {
    expect(await collect([], 4, 0)).toEqual(['']);
  });

  it('keeps going past the expected size, so a grown source is noticed', async () => {
    expect(await collect(['abc', 'defghij'], 4, 3)).toEqual(['abc', 'defg', 'hij']);
  });
});
