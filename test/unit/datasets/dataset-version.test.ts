import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../core/datasets/csv-reader.js';
import { datasetVersion } from '../../../core/datasets/dataset-version.js';
import { SpecValidationError } from '../../../core/errors.js';
import { DatasetSpec, type DatasetSpecInput } from '../../../core/specs/dataset.js';

const spec = (split: DatasetSpecInput['split'] = {}, target = 'species') => DatasetSpec.parse({ name: 'iris', path: 'iris.csv', target_column: target, split });

/** 60 rows: 30 "a", 20 "b", 10 "c", interleaved so order carries no class information. */
const CLASSES = ['a', 'b', 'a', 'c', 'b', 'a'];
const CSV = `${['id,x,species', ...Array.from({ length: 60 }, (_, i) => `${i},${(i * 0.37).toFixed(2)},${CLASSES[i % 6]}`)].join('\n')}\n`;

const idsOf = (csvText: string) =>
  parseCsv(csvText)
    .slice(1)
    .map((r) => Number(r.fields[0]));

async function problemOf(fn: () => Promise<unknown>): Promise<{ path: string; message: string } | undefined> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems[0];
    throw error;
  }
  return undefined;
}

describe('datasetVersion split', () => {
  it('is deterministic: same inputs give identical bytes', async () => {
    const first = await datasetVersion(spec({ seed: 5 }), CSV);
    const second = await datasetVersion(spec({ seed: 5 }), Buffer.from(CSV));
    expect(second.train).toBe(first.train);
    expect(second.test).toBe(first.test);
    expect(second.versionId).toBe(first.versionId);
  });

  it('puts every row on exactly one side, in original order, with the header on both', async () => {
    const { train, test, manifest } = await datasetVersion(spec(), CSV);
    const trainIds = idsOf(train);
    const testIds = idsOf(test);
    expect([...trainIds, ...testIds].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(trainIds).toEqual([...trainIds].sort((a, b) => a - b));
    expect(testIds).toEqual([...testIds].sort((a, b) => a - b));
    expect(train.startsWith('id,x,species\n')).toBe(true);
    expect(test.startsWith('id,x,species\n')).toBe(true);
    expect(manifest).toMatchObject({ rows: 60, train_rows: trainIds.length, test_rows: testIds.length, columns: ['id', 'x', 'species'] });
  });

  it('picks other rows with another seed', async () => {
    expect(idsOf((await datasetVersion(spec({ seed: 1 }), CSV)).test)).not.toEqual(idsOf((await datasetVersion(spec({ seed: 2 }), CSV)).test));
  });

  it.each([0.1, 0.2, 0.25, 0.5, 0.7])('keeps class proportions within one row per class at test_fraction %s', async (fraction) => {
    const { manifest } = await datasetVersion(spec({ test_fraction: fraction, seed: 9 }), CSV);
    const totals = { a: 30, b: 20, c: 10 };
    for (const [label, total] of Object.entries(totals)) {
      const inTest = manifest.class_counts.test[label] ?? 0;
      expect(Math.abs(inTest - fraction * total)).toBeLessThanOrEqual(1);
      expect(inTest + (manifest.class_counts.train[label] ?? 0)).toBe(total);
    }
  });

  it('gives a class with two rows one test row and keeps a single-row class in train', async () => {
    const csv = 'f,y\n1,big\n2,big\n3,big\n4,big\n5,big\n6,pair\n7,pair\n8,solo\n';
    const { manifest } = await datasetVersion(spec({ test_fraction: 0.2 }, 'y'), csv);
    expect(manifest.class_counts.test).toEqual({ big: 1, pair: 1 });
    expect(manifest.class_counts.train).toEqual({ big: 4, pair: 1, solo: 1 });
  });

  it('shuffles all rows together when not stratified', async () => {
    const { manifest } = await datasetVersion(spec({ stratify: false, test_fraction: 0.25 }), CSV);
    expect(manifest.test_rows).toBe(15);
    expect(manifest.split.stratify).toBe(false);
  });

  it('asks for stratify: false when every target value is unique', async () => {
    const csv = 'x,price\n1,10.5\n2,11.25\n3,9.75\n4,12\n';
    expect((await problemOf(() => datasetVersion(spec({}, 'price'), csv)))?.path).toBe('dataset.split.stratify');
    expect((await datasetVersion(spec({ stratify: false }, 'price'), csv)).manifest.test_rows).toBe(1);
  });
});

describe('datasetVersion id', async () => {
  const base = await datasetVersion(spec(), CSV);

  it('is 16 hex characters', async () => {
    expect(base.versionId).toMatch(/^[0-9a-f]{16}$/);
    expect(base.manifest.version).toBe(base.versionId);
  });

  it.each([
    ['the content', () => datasetVersion(spec(), CSV.replace('0,0.00,a', '0,0.01,a'))],
    ['the seed', () => datasetVersion(spec({ seed: 1 }), CSV)],
    ['the test fraction', () => datasetVersion(spec({ test_fraction: 0.3 }), CSV)],
    ['stratification', () => datasetVersion(spec({ stratify: false }), CSV)],
  ])('changes with %s', async (_label, make) => {
    expect((await make()).versionId).not.toBe(base.versionId);
  });

  it('changes with the target column', async () => {
    const bySpecies = await datasetVersion(spec({ stratify: false }), CSV);
    expect((await datasetVersion(spec({ stratify: false }, 'x'), CSV)).versionId).not.toBe(bySpecies.versionId);
  });

  it('does not change with the dataset name or description', async () => {
    const other = DatasetSpec.parse({ name: 'flowers', description: 'same file', path: 'other.csv', target_column: 'species' });
    expect((await datasetVersion(other, CSV)).versionId).toBe(base.versionId);
  });

  it('records the sha256 of the source bytes', async () => {
    expect(base.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(base.manifest.content_sha256).toBe(base.contentSha256);
  });
});

describe('datasetVersion input errors', () => {
  it('names dataset.target_column and counts the columns, without quoting the header, when the target is missing', async () => {
    const problem = await problemOf(() => datasetVersion(spec({}, 'label'), CSV));
    expect(problem).toEqual({ path: 'dataset.target_column', message: 'column "label" is not in the CSV header (3 columns)' });
  });

  it.each([
    ['a missing target column', 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nbin:x:2:2::/bin:/usr/sbin/nologin\n'],
    ['a duplicated column', 'secret-token,secret-token,species\n1,2,a\n3,4,b\n'],
    ['a ragged row', 'species,secret-token\na,1\nb,2,extra\n'],
  ])('never quotes the file in its message: %s', async (_label, csv) => {
    const problem = await problemOf(() => datasetVersion(spec(), csv));
    for (const secret of ['root', 'bash', 'secret-token']) expect(problem?.message).not.toContain(secret);
  });

  it('names the line of a ragged row', async () => {
    const problem = await problemOf(() => datasetVersion(spec(), 'id,species\n1,a\n2,b,extra\n3,a\n'));
    expect(problem?.path).toBe('dataset.path');
    expect(problem?.message).toMatch(/line 3 has 3 field/);
  });

  it.each([
    ['an empty file', '', /empty/],
    ['a header without rows', 'id,species\n', /at least 2 data rows/],
    ['a duplicated column', 'id,id,species\n1,2,a\n3,4,b\n', /column 1 and column 2 of the header have the same name/],
    ['malformed quoting', 'id,species\n1,"a\n', /line 2: quoted field is never closed/],
  ])('rejects %s on dataset.path', async (_label, csv, message) => {
    const problem = await problemOf(() => datasetVersion(spec(), csv));
    expect(problem?.path).toBe('dataset.path');
    expect(problem?.message).toMatch(message);
  });
});
