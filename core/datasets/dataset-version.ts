import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { SpecValidationError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';
import type { DatasetSpec } from '../specs/dataset.js';
import { CsvSyntaxError, formatCsv, parseCsv } from './csv.js';
import { datasetSource } from './dataset-source.js';
import { countLabels, splitRows, type SplitParams } from './split-dataset.js';

/** What `dataset.json` records about one version; parsed again when read back from a store. */
export const DatasetManifest = z.object({
  dataset: z.string(),
  version: z.string(),
  target_column: z.string(),
  columns: z.array(z.string()),
  split: z.object({ test_fraction: z.number(), seed: z.number(), stratify: z.boolean() }),
  rows: z.number().int(),
  train_rows: z.number().int(),
  test_rows: z.number().int(),
  class_counts: z.object({ train: z.record(z.string(), z.number()), test: z.record(z.string(), z.number()) }),
  /** sha256 of the source file's bytes. */
  content_sha256: z.string(),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;

export interface DatasetVersion {
  /** 16 hex chars: sha256 over the content hash, target column and split parameters. */
  versionId: string;
  contentSha256: string;
  /** CSV text with the header row, LF line endings. */
  train: string;
  test: string;
  manifest: DatasetManifest;
}

/**
 * The version id. Split parameters and the target column are part of it because they
 * change the stored split: the same file with another seed is another version.
 */
export function datasetVersionId(contentSha256: string, targetColumn: string, split: SplitParams): string {
  const identity = canonicalJson({ content_sha256: contentSha256, target_column: targetColumn, split });
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The split parameters a spec asks for, defaults applied. */
export function splitParamsOf(spec: DatasetSpec): SplitParams {
  return { test_fraction: spec.split.test_fraction, seed: spec.split.seed, stratify: spec.split.stratify };
}

/** Parses and splits a dataset's CSV bytes into a version; throws SpecValidationError on bad input. */
export function datasetVersion(spec: DatasetSpec, csv: Buffer | string): DatasetVersion {
  const bytes = typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
  const contentSha256 = sha256Hex(bytes);
  const [header, ...data] = readRecords(bytes.toString('utf8'));
  if (!header) throw new SpecValidationError([{ path: 'dataset.path', message: 'the CSV file is empty' }]);
  const columns = header.fields;
  checkColumns(columns, spec.target_column);
  for (const record of data) {
    if (record.fields.length !== columns.length) {
      throw new SpecValidationError([
        {
          path: 'dataset.path',
          message: `line ${record.line} has ${record.fields.length} field(s), the header has ${columns.length}`,
        },
      ]);
    }
  }
  if (data.length < 2) {
    throw new SpecValidationError([{ path: 'dataset.path', message: `needs at least 2 data rows to split, has ${data.length}` }]);
  }

  const split = splitParamsOf(spec);
  const targetIndex = columns.indexOf(spec.target_column);
  const labels = data.map((r) => r.fields[targetIndex] as string);
  const { train, test } = splitRows(labels, split);
  if (test.length === 0) {
    // Only happens when every class has a single row, e.g. a continuous (regression) target.
    throw new SpecValidationError([
      {
        path: 'dataset.split.stratify',
        message: `every value of "${spec.target_column}" occurs once, so a stratified split leaves no test rows; set split.stratify: false`,
      },
    ]);
  }

  const versionId = datasetVersionId(contentSha256, spec.target_column, split);
  const rowsAt = (indices: number[]) => formatCsv([columns, ...indices.map((i) => (data[i] as { fields: string[] }).fields)]);
  return {
    versionId,
    contentSha256,
    train: rowsAt(train),
    test: rowsAt(test),
    manifest: {
      dataset: spec.name,
      version: versionId,
      target_column: spec.target_column,
      columns,
      split,
      rows: data.length,
      train_rows: train.length,
      test_rows: test.length,
      class_counts: { train: countLabels(labels, train), test: countLabels(labels, test) },
      content_sha256: contentSha256,
    },
  };
}

/** `datasetVersion` over a file or `s3://` object (see readDatasetFile); a missing one is reported on `dataset.path`. */
export async function datasetVersionFromFile(spec: DatasetSpec, csvPath: string, artifacts?: ArtifactStore): Promise<DatasetVersion> {
  return datasetVersion(spec, await readDatasetFile(csvPath, artifacts));
}

/** A dataset's bytes from a path on the server or, through an S3 `artifacts` store, an `s3://bucket/key` object. */
export async function readDatasetFile(csvPath: string, artifacts?: ArtifactStore): Promise<Buffer> {
  return datasetSource(csvPath, artifacts).read();
}

function readRecords(text: string) {
  try {
    return parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      throw new SpecValidationError([{ path: 'dataset.path', message: err.message }], { cause: err });
    }
    throw err;
  }
}

/**
 * Messages name columns by position, never by content: the file may not be a dataset at all,
 * and its first line must not come back in an API answer or a run's error.
 */
function checkColumns(columns: string[], target: string): void {
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column))
      throw new SpecValidationError([
        { path: 'dataset.path', message: `column ${columns.indexOf(column) + 1} and column ${seen.size + 1} of the header have the same name` },
      ]);
    seen.add(column);
  }
  if (!seen.has(target)) {
    throw new SpecValidationError([
      {
        path: 'dataset.target_column',
        message: `column "${target}" is not in the CSV header (${columns.length} column${columns.length === 1 ? '' : 's'})`,
      },
    ]);
  }
}
