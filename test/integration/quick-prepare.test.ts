/**
 * prepareRunQuickly, the local-activity path that freezes a small run's inputs inside its first
 * workflow task, against a real metadata store and artifact store: it answers as prepareRun
 * does, and leaves large or remote datasets to prepareRun without recording anything.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { QUICK_PREPARE_MAX_DATASET_BYTES } from '../../core/datasets/quick-prepare-limit.js';
import { DatasetSpec, Hyperparameters, RunPolicy } from '../../core/specs/index.js';
import { localActivities } from '../support/local-activities.js';
import { DIALECTS, useFreshStore } from './metadata/dialects.js';

const example = join(__dirname, '..', '..', 'examples', 'breast-cancer');
/** Runs an activity as a worker would run it, locally (`isLocal`) or not. */
function asActivity<T>(fn: () => Promise<T>, isLocal = true): Promise<T> {
  return new MockActivityEnvironment({ attempt: 1, isLocal }).run(fn);
}

/** A CSV just over the quick path's limit. */
function largeCsv(dir: string): string {
  const path = join(dir, 'large.csv');
  const row = `${'1.5,'.repeat(30)}0\n`;
  const rows = Math.ceil(QUICK_PREPARE_MAX_DATASET_BYTES / row.length) + 10;
  writeFileSync(path, `${Array.from({ length: 30 }, (_, i) => `f${i}`).join(',')},target\n${row.repeat(rows)}`);
  return path;
}

for (const dialect of DIALECTS) {
  describe(`prepareRunQuickly (${dialect.name})`, () => {
    const ctx = useFreshStore(dialect);
    const runInput = (datasetPath: string, runId = 'breast-cancer-20260101-000000-abcd') => ({
      runId,
      workflowId: runId,
      project: 'breast-cancer',
      modelName: 'breast-cancer',
      params: Hyperparameters.parse({}),
      policy: RunPolicy.parse({}),
      sourceDir: join(example, 'src'),
      dataset: DatasetSpec.parse({ name: 'breast-cancer', path: datasetPath, target_column: 'target' }),
      environmentDigest: 'a'.repeat(64),
    });
    const activities = async (datasetPath: string) => {
      await ctx.store.datasets.upsert(runInput(datasetPath).dataset);
      return localActivities(ctx.store, 'kiln-quick-prepare-');
    };

    it('freezes a small run as prepareRun does: same snapshot and dataset version, one run recorded', async () => {
      const datasetPath = join(example, 'data', 'breast_cancer.csv');
      const acts = await activities(datasetPath);
      const quick = await asActivity(() => acts.prepareRunQuickly(runInput(datasetPath)));
      expect(quick.deferred).toBeUndefined();
      const durable = await asActivity(() => acts.prepareRun(runInput(datasetPath, 'breast-cancer-20260101-000000-beef')), false);
      expect(quick.prepared?.source.digest).toBe(durable.source.digest);
      expect(quick.prepared?.dataset).toEqual(durable.dataset);
      expect((await ctx.store.runs.listRuns({ project: 'breast-cancer' })).map((r) => r.id).sort()).toEqual([
        'breast-cancer-20260101-000000-abcd',
        'breast-cancer-20260101-000000-beef',
      ]);
      expect(await ctx.store.datasets.listVersions('breast-cancer')).toHaveLength(1);
    });

    it('leaves a dataset over the limit to prepareRun, recording nothing', async () => {
      const home = mkdtempSync(join(tmpdir(), 'kiln-quick-prepare-data-'));
      const datasetPath = largeCsv(home);
      const acts = await activities(datasetPath);
      const quick = await asActivity(() => acts.prepareRunQuickly(runInput(datasetPath)));
      expect(quick.prepared).toBeUndefined();
      expect(quick.deferred).toMatch(/large\.csv is 16 MiB/);
      expect(await ctx.store.runs.listRuns({ project: 'breast-cancer' })).toEqual([]);
      expect(await ctx.store.datasets.listVersions('breast-cancer')).toEqual([]);
    });

    it('leaves an S3 dataset and a missing file to prepareRun, recording nothing', async () => {
      const acts = await activities('s3://datasets/breast_cancer.csv');
      expect((await asActivity(() => acts.prepareRunQuickly(runInput('s3://datasets/breast_cancer.csv')))).deferred).toMatch(/is read from S3/);
      const missing = join(tmpdir(), 'kiln-no-such-dataset.csv');
      expect((await asActivity(() => acts.prepareRunQuickly(runInput(missing)))).deferred).toMatch(/is not a readable file/);
      expect(await ctx.store.runs.listRuns({ project: 'breast-cancer' })).toEqual([]);
    });
  });
}
