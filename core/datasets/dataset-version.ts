import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { z } from 'zod';
import { SpecValidationError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';
import type { DatasetSpec } from '../specs/dataset.js';
import { type DatasetProfile, DatasetProfiler } from './dataset-profile.js';
import { checkPlainRows, readDatasetRows } from './dataset-rows.js';
import { type DatasetScan, scanDataset } from './dataset-scan.js';
import { countLabels, type SplitParams, splitFlags } from './split-dataset.js';
import { type SplitSinks, writeDatasetSplit } from './write-dataset-split.js';

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

/** The source's bytes changed between two passes over them: retried, the next attempt reads them afresh. */
export class DatasetChangedError extends Error {
  override readonly name = 'DatasetChangedError';
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

/**
 * Versions a dataset in two parsing passes after `scan`: one checks the CSV and keeps each row's
 * label, the split is drawn from the labels, and one writes source, train and test to the
 * sinks `openSinks` gives and profiles the train rows. Memory: a few bytes a row, the profile's
 * sample and a chunk or two, whatever the file's size. Bad input is a SpecValidationError before
 * the sinks are opened; a failure while writing destroys them, so nothing is left half-written.
 * The sinks are ended only when the bytes are the scanned ones: the source's write stamp is as
 * the scan found it (`writeStamp`, the source's, when the scan has one), else the bytes the last
 * pass read hash to the scan's.
 */
export async function versionDataset(
  spec: DatasetSpec,
  open: () => Promise<AsyncIterable<Buffer>>,
  scan: DatasetScan,
  openSinks: () => SplitSinks,
  writeStamp?: () => Promise<string | undefined>,
): Promise<{ manifest: DatasetManifest; profile: DatasetProfile }> {
  const split = splitParamsOf(spec);
  const versionId = datasetVersionId(scan.sha256, spec.target_column, split);
  const { columns, reader, labels } = await readDatasetRows(open, scan.reader, spec.target_column);
  const total = labels.codes.length;
  const testRows = splitFlags(labels, split);
  const classCounts = countLabels(labels, testRows);
  // The codes (a byte or more a row) are done with: not held while the split is written.
  labels.codes = new Uint8Array(0);
  const testCount = Object.values(classCounts.test).reduce((sum, n) => sum + n, 0);
  if (testCount === 0) {
    // A plain file's field counts are checked while the split is written: a ragged row is the error to report first.
    if (reader === 'plain') await checkPlainRows(await open(), columns.length);
    // Only happens when every class has a single row, e.g. a continuous (regression) target.
    throw new SpecValidationError([
      {
        path: 'dataset.split.stratify',
        message: `every value of "${spec.target_column}" occurs once, so a stratified split leaves no test rows; set split.stratify: false`,
      },
    ]);
  }
  const profiler = new DatasetProfiler(columns, { dataset: spec.name, version: versionId, targetColumn: spec.target_column, seed: split.seed });
  const sinks = openSinks();
  const all = [sinks.source, sinks.train, sinks.test];
  try {
    const stamped = scan.stamp !== undefined && writeStamp !== undefined;
    const written = await writeDatasetSplit(await open(), reader, testRows, profiler, sinks, !stamped);
    const unchanged = stamped ? (await writeStamp()) === scan.stamp : written.sha256 === scan.sha256;
    if (!unchanged || written.rows !== total) {
      throw new DatasetChangedError(`the dataset at ${spec.path} changed while it was being read; it is read again on the next attempt`);
    }
  } catch (error) {
    for (const sink of all) sink.destroy(error as Error);
    throw error;
  }
  for (const sink of all) sink.end();
  return {
    manifest: {
      dataset: spec.name,
      version: versionId,
      target_column: spec.target_column,
      columns,
      split,
      rows: total,
      train_rows: total - testCount,
      test_rows: testCount,
      class_counts: classCounts,
      content_sha256: scan.sha256,
    },
    profile: profiler.finish(),
  };
}

export interface DatasetVersion {
  /** 16 hex chars: sha256 over the content hash, target column and split parameters. */
  versionId: string;
  contentSha256: string;
  /** CSV text with the header row, LF line endings. */
  train: string;
  test: string;
  manifest: DatasetManifest;
  profile: DatasetProfile;
}

/** versionDataset over bytes in memory, the split returned as text: for small data and tests. */
export async function datasetVersion(spec: DatasetSpec, csv: Buffer | string): Promise<DatasetVersion> {
  const bytes = typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
  const open = async () => Readable.from([bytes]);
  const scan = await scanDataset(await open());
  let texts: Promise<[string, string]> = Promise.resolve(['', '']);
  const openSinks = () => {
    const sinks = { source: new PassThrough(), train: new PassThrough(), test: new PassThrough() };
    for (const sink of Object.values(sinks)) sink.on('error', () => undefined);
    sinks.source.resume();
    texts = Promise.all([text(sinks.train), text(sinks.test)]);
    // Rejected with the sinks when versioning fails; the versioning error is the one thrown.
    texts.catch(() => undefined);
    return sinks;
  };
  const { manifest, profile } = await versionDataset(spec, open, scan, openSinks);
  const [train, test] = await texts;
  return { versionId: manifest.version, contentSha256: scan.sha256, train, test, manifest, profile };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer | string));
  return Buffer.concat(chunks).toString('utf8');
}
