import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../core/errors.js';
import type { NewDatasetVersion } from '../../../core/metadata/datasets-repository.js';
import { DIALECTS, useFreshStore } from './dialects.js';
import { datasetSpec, projectSpec } from './fixtures.js';

const split = { test_fraction: 0.25, seed: 7, stratify: true };

function version(overrides: Partial<NewDatasetVersion> = {}): NewDatasetVersion {
  return {
    id: 'iris-v1',
    datasetName: 'iris',
    contentSha256: 'c'.repeat(64),
    split,
    trainRows: 112,
    testRows: 38,
    artifactPrefix: 'datasets/iris/iris-v1',
    ...overrides,
  };
}

for (const dialect of DIALECTS) {
  describe(`projects [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('round-trips the spec, defaults and extras included', async () => {
      const spec = projectSpec('iris', { description: 'flowers', run_policy: { timeout_seconds: 90, retry_count_limit: 1, auto_resume: true } });
      const stored = await ctx.store.projects.upsert(spec);
      expect(stored.spec).toEqual(spec);
      expect(stored.spec.default_params.extras).toEqual({ max_depth: 4, criterion: 'gini' });
      expect(await ctx.store.projects.get('iris')).toEqual(stored);
      expect(await ctx.store.projects.get('other')).toBeUndefined();
    });

    it('replaces a project by name, keeping createdAt, and lists by name', async () => {
      const first = await ctx.store.projects.upsert(projectSpec('iris'));
      const second = await ctx.store.projects.upsert(projectSpec('iris', { serve: false }));
      await ctx.store.projects.upsert(projectSpec('adult'));
      expect(second.spec.serve).toBe(false);
      expect(second.createdAt).toBe(first.createdAt);
      expect((await ctx.store.projects.list()).map((p) => p.name)).toEqual(['adult', 'iris']);
    });
  });

  describe(`datasets [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('round-trips dataset specs and lists them by name', async () => {
      const spec = datasetSpec('iris', { split });
      expect((await ctx.store.datasets.upsert(spec)).spec).toEqual(spec);
      await ctx.store.datasets.upsert(datasetSpec('adult'));
      expect((await ctx.store.datasets.get('iris'))?.spec.split).toEqual(split);
      expect((await ctx.store.datasets.list()).map((d) => d.name)).toEqual(['adult', 'iris']);
    });

    it('records a version and reads it back, split included', async () => {
      await ctx.store.datasets.upsert(datasetSpec('iris'));
      const recorded = await ctx.store.datasets.recordVersion(version());
      expect(recorded).toMatchObject({ ...version(), createdAt: expect.any(Number) });
      expect(await ctx.store.datasets.getVersion('iris-v1')).toEqual(recorded);
    });

    it('is idempotent: recording the same content twice returns the first row', async () => {
      await ctx.store.datasets.upsert(datasetSpec('iris'));
      const first = await ctx.store.datasets.recordVersion(version());
      const again = await ctx.store.datasets.recordVersion(version());
      const otherId = await ctx.store.datasets.recordVersion(version({ id: 'iris-v1-retry', trainRows: 1 }));
      expect(again).toEqual(first);
      expect(otherId).toEqual(first);
      expect(await ctx.store.datasets.listVersions('iris')).toHaveLength(1);
    });

    it('keeps versions with another split or content apart, newest first', async () => {
      await ctx.store.datasets.upsert(datasetSpec('iris'));
      await ctx.store.datasets.recordVersion(version());
      await ctx.store.datasets.recordVersion(version({ id: 'iris-v2', split: { ...split, seed: 8 } }));
      await ctx.store.datasets.recordVersion(version({ id: 'iris-v3', contentSha256: 'd'.repeat(64) }));
      expect((await ctx.store.datasets.listVersions('iris')).map((v) => v.id)).toEqual(['iris-v3', 'iris-v2', 'iris-v1']);
    });

    it('rejects an id already used for different content', async () => {
      await ctx.store.datasets.upsert(datasetSpec('iris'));
      await ctx.store.datasets.recordVersion(version());
      await expect(ctx.store.datasets.recordVersion(version({ contentSha256: 'e'.repeat(64) }))).rejects.toBeInstanceOf(ConflictError);
    });

    it('rejects a version of an unregistered dataset', async () => {
      await expect(ctx.store.datasets.recordVersion(version({ datasetName: 'ghost' }))).rejects.toThrow();
      expect(await ctx.store.datasets.getVersion('iris-v1')).toBeUndefined();
    });
  });
}
