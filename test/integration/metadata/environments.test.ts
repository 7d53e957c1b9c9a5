import { describe, expect, it } from 'vitest';
import { environmentDigest } from '../../../core/specs/environment-digest.js';
import { DIALECTS, useFreshStore } from './dialects.js';
import { environmentSpec } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`environments [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('round-trips the spec and computes its digest', async () => {
      const spec = environmentSpec('cpu', { description: 'CPU box', cpu_limit: 1.5, memory_limit: 2048 });
      const stored = await ctx.store.environments.upsert(spec);
      expect(stored).toMatchObject({ name: 'cpu', description: 'CPU box', specDigest: environmentDigest(spec), isDefault: false });
      expect(await ctx.store.environments.get('cpu')).toEqual(stored);
      expect(stored.spec).toEqual(spec);
    });

    it('returns undefined for an unknown name and when no default exists', async () => {
      await ctx.store.environments.upsert(environmentSpec('cpu'));
      expect(await ctx.store.environments.get('nope')).toBeUndefined();
      expect(await ctx.store.environments.getDefault()).toBeUndefined();
    });

    it('replaces a spec by name, keeping createdAt', async () => {
      const first = await ctx.store.environments.upsert(environmentSpec('cpu'));
      const second = await ctx.store.environments.upsert(environmentSpec('cpu', { python_version: '3.12' }));
      expect(second.spec.python_version).toBe('3.12');
      expect(second.specDigest).not.toBe(first.specDigest);
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.updatedAt).toBeGreaterThan(first.updatedAt);
      expect(await ctx.store.environments.list()).toHaveLength(1);
    });

    it('keeps exactly one default: a new default takes the flag from the old one', async () => {
      await ctx.store.environments.upsert(environmentSpec('a', { is_default: true }));
      expect((await ctx.store.environments.getDefault())?.name).toBe('a');
      await ctx.store.environments.upsert(environmentSpec('b', { is_default: true }));
      expect((await ctx.store.environments.getDefault())?.name).toBe('b');
      const a = await ctx.store.environments.get('a');
      expect(a?.isDefault).toBe(false);
      expect(a?.spec.is_default).toBe(false);
      const defaults = (await ctx.store.environments.list()).filter((e) => e.isDefault).map((e) => e.name);
      expect(defaults).toEqual(['b']);
    });

    it('leaves the default alone when a non-default environment is written', async () => {
      await ctx.store.environments.upsert(environmentSpec('a', { is_default: true }));
      await ctx.store.environments.upsert(environmentSpec('b'));
      expect((await ctx.store.environments.getDefault())?.name).toBe('a');
    });

    it('lists environments by name', async () => {
      for (const name of ['zeta', 'alpha', 'mid']) await ctx.store.environments.upsert(environmentSpec(name));
      expect((await ctx.store.environments.list()).map((e) => e.name)).toEqual(['alpha', 'mid', 'zeta']);
    });
  });

  describe(`environment builds [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const digest = 'a'.repeat(64);

    it('has no build for an unknown digest', async () => {
      expect(await ctx.store.environments.getBuild(digest)).toBeUndefined();
    });

    it('moves from building to ready with location and duration', async () => {
      const building = await ctx.store.environments.markBuilding(digest);
      expect(building).toMatchObject({ specDigest: digest, status: 'building', finishedAt: null, durationMs: null });
      ctx.clock.advance(1500);
      const ready = await ctx.store.environments.markReady(digest, { venvPath: '/envs/a', pythonExecutable: '/envs/a/bin/python' });
      expect(ready).toMatchObject({ status: 'ready', venvPath: '/envs/a', pythonExecutable: '/envs/a/bin/python', error: null, startedAt: building.startedAt });
      expect(ready.durationMs).toBe(ready.finishedAt! - building.startedAt);
      expect(ready.durationMs).toBeGreaterThanOrEqual(1500);
      expect(await ctx.store.environments.getBuild(digest)).toEqual(ready);
    });

    it("prefers the builder's own duration when given", async () => {
      await ctx.store.environments.markBuilding(digest);
      const ready = await ctx.store.environments.markReady(digest, { venvPath: '/e', pythonExecutable: '/e/py', durationMs: 7 });
      expect(ready.durationMs).toBe(7);
    });

    it('records a failure, and a rebuild clears it', async () => {
      await ctx.store.environments.markBuilding(digest);
      const failed = await ctx.store.environments.markFailed(digest, 'pip: no matching distribution');
      expect(failed).toMatchObject({ status: 'failed', error: 'pip: no matching distribution', venvPath: null });
      const again = await ctx.store.environments.markBuilding(digest);
      expect(again).toMatchObject({ status: 'building', error: null, finishedAt: null });
    });

    it('accepts markReady without markBuilding (a build found on disk)', async () => {
      const ready = await ctx.store.environments.markReady(digest, { venvPath: '/e', pythonExecutable: '/e/py' });
      expect(ready).toMatchObject({ status: 'ready', durationMs: 0 });
    });
  });
}
