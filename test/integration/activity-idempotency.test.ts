import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { DatasetSpec, Hyperparameters, RunPolicy } from '../../core/specs/index.js';
import { localActivities } from '../support/local-activities.js';
import { DIALECTS, useFreshStore } from './metadata/dialects.js';

const example = join(__dirname, '..', '..', 'examples', 'breast-cancer');

/** Runs an activity as Temporal would on attempt `attempt` (a retry re-executes it whole). */
function attempt<T>(n: number, fn: () => Promise<T>): Promise<T> {
  return new MockActivityEnvironment({ attempt: n }).run(fn);
}

for (const dialect of DIALECTS) {
  describe(`activities are idempotent under Temporal retries (${dialect.name})`, () => {
    const ctx = useFreshStore(dialect);
    const input = {
      runId: 'breast-cancer-20260101-000000-abcd',
      workflowId: 'breast-cancer-20260101-000000-abcd',
      project: 'breast-cancer',
      modelName: 'breast-cancer',
      params: Hyperparameters.parse({}),
      policy: RunPolicy.parse({}),
      sourceDir: join(example, 'src'),
      dataset: DatasetSpec.parse({ name: 'breast-cancer', path: join(example, 'data', 'breast_cancer.csv'), target_column: 'target' }),
      environmentDigest: 'a'.repeat(64),
    };
    const activities = async () => {
      // Registered by the API before any run of the project can start.
      await ctx.store.datasets.upsert(input.dataset);
      return localActivities(ctx.store, 'kiln-idempotency-');
    };

    it('a retried prepareRun records one run and one dataset version, with the same snapshot', async () => {
      const acts = await activities();
      const first = await attempt(1, () => acts.prepareRun(input));
      const second = await attempt(2, () => acts.prepareRun(input));
      expect(second.source.digest).toBe(first.source.digest);
      expect(second.dataset).toEqual(first.dataset);
      expect(await ctx.store.runs.listRuns({ project: 'breast-cancer' })).toHaveLength(1);
      expect(await ctx.store.datasets.listVersions('breast-cancer')).toHaveLength(1);
    });

    it('a retried registerModel returns the version it already got and registers nothing more', async () => {
      const acts = await activities();
      await attempt(1, () => acts.prepareRun(input));
      const registration = {
        runId: input.runId,
        modelName: 'breast-cancer',
        datasetVersion: 'v1',
        environmentDigest: input.environmentDigest,
        sourceDigest: 's1',
        params: input.params,
        metrics: { accuracy: 0.96 },
      };
      const first = await attempt(1, () => acts.registerModel(registration));
      const again = await attempt(2, () => acts.registerModel(registration));
      expect(again).toEqual(first);
      expect(await ctx.store.models.list('breast-cancer')).toHaveLength(1);
    });
  });
}
