import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExternalObjectReader } from '../../../core/artifacts/artifact-store.js';
import { datasetSource, parseS3DatasetPath } from '../../../core/datasets/dataset-source.js';
import { MissingDataError, SpecValidationError } from '../../../core/errors.js';
import { MemoryArtifactStore } from '../snapshots/memory-artifact-store.js';

const execFileAsync = promisify(execFile);

async function textOf(stream: Promise<Readable>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
  return [];
};

describe('parseS3DatasetPath', () => {
  it.each([
    ['s3://data/sensors.csv', { bucket: 'data', name: 'sensors.csv' }],
    ['s3://data/daily/2026/12.csv', { bucket: 'data', name: 'daily/2026/12.csv' }],
    ['/srv/data/sensors.csv', undefined],
    ['data/sensors.csv', undefined],
  ])('%s', (path, expected) => {
    expect(parseS3DatasetPath(path)).toEqual(expected);
  });

  it.each(['s3://data', 's3://data/', 's3:///sensors.csv', 's3://Bad_Bucket/x.csv'])('rejects %s on dataset.path', (path) => {
    expect(problemsOf(() => parseS3DatasetPath(path))).toEqual([{ path: 'dataset.path', message: `"${path}" is not s3://bucket/key` }]);
  });

  it('refuses credentials in the path, which would travel in workflow inputs', () => {
    expect(problemsOf(() => parseS3DatasetPath('s3://AKIA:secret@data/sensors.csv'))).toEqual([
      { path: 'dataset.path', message: "no credentials in an s3:// dataset path: it is read with the S3 artifact store's" },
    ]);
  });
});

describe('a file source', () => {
  let dir: string;
  let csv: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-source-'));
    csv = join(dir, 'data.csv');
    await writeFile(csv, 'x,label\n1,a\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps its fingerprint until the file is written or touched', async () => {
    const source = datasetSource(csv);
    const first = await source.fingerprint();
    expect(await source.fingerprint()).toBe(first);
    await appendFile(csv, '2,b\n');
    const appended = await source.fingerprint();
    expect(appended).not.toBe(first);
    await utimes(csv, new Date(), new Date(Date.now() + 60_000));
    expect(await source.fingerprint()).not.toBe(appended);
    expect(await textOf(source.open())).toBe('x,label\n1,a\n2,b\n');
  });

  it('reports a missing file as MissingDataError on dataset.path', async () => {
    const source = datasetSource(join(dir, 'gone.csv'));
    // One at a time: a second promise made up front could reject before anything awaits it (unhandled).
    for (const attempt of [() => source.fingerprint(), () => source.open()]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingDataError);
      expect(error).toMatchObject({ field: 'dataset.path' });
    }
  });

  it.each([
    ['a link into /proc', (path: string) => symlink('/proc/self/environ', path)],
    ['a FIFO', (path: string) => execFileAsync('mkfifo', [path])],
    ['a directory', (path: string) => mkdir(path)],
  ])('refuses to read a registered path that has since become %s', async (_label, replace) => {
    await rm(csv);
    await replace(csv);
    const error = await datasetSource(csv)
      .open()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems).toEqual([{ path: 'dataset.path', message: expect.stringContaining('is not a regular file') }]);
  });
});

describe('an s3:// source', () => {
  const objects = new Map([['data/sensors.csv', { etag: 'abc123', bytes: Buffer.from('x,label\n1,a\n') }]]);
  const reader: ExternalObjectReader = {
    etag: async (bucket, name) => objects.get(`${bucket}/${name}`)?.etag,
    open: async (bucket, name) => {
      const bytes = objects.get(`${bucket}/${name}`)?.bytes;
      return bytes && Readable.from([bytes]);
    },
  };
  const s3Store = Object.assign(new MemoryArtifactStore(), { externalObjects: reader });

  it('reads through the artifact store, its ETag as fingerprint', async () => {
    const source = datasetSource('s3://data/sensors.csv', s3Store);
    expect(await source.fingerprint()).toBe('s3-etag:abc123');
    expect(await textOf(source.open())).toBe('x,label\n1,a\n');
  });

  it('reports a missing object as MissingDataError on dataset.path', async () => {
    const source = datasetSource('s3://data/other.csv', s3Store);
    await expect(source.fingerprint()).rejects.toMatchObject({ name: 'MissingDataError', field: 'dataset.path' });
    await expect(source.open()).rejects.toMatchObject({ name: 'MissingDataError', field: 'dataset.path' });
  });

  it('needs an S3 artifact store', () => {
    expect(problemsOf(() => datasetSource('s3://data/sensors.csv', new MemoryArtifactStore()))).toEqual([
      { path: 'dataset.path', message: expect.stringContaining('is read through an S3 artifact store') },
    ]);
  });
});
