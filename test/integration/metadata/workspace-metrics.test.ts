import { describe, expect, it } from 'vitest';
import type { NotebookMetric } from '../../../core/workspaces/notebook-metrics.js';
import { createWorkspaceRecord } from '../../support/workspace-metrics-fixture.js';
import { DIALECTS, useFreshStore } from './dialects.js';

const point = (offset: number, name: string, value: number, extra: Partial<NotebookMetric> = {}): NotebookMetric => ({
  offset,
  name,
  value,
  time: Date.UTC(2026, 11, 3) + offset,
  ...extra,
});

for (const dialect of DIALECTS) {
  describe(`workspace metrics [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const repo = () => ctx.store.workspaceMetrics;

    it('stores a read and its end position together, and lists points in the order logged', async () => {
      await createWorkspaceRecord(ctx.store, 'nb');
      expect(await repo().readState('nb')).toEqual({ generation: 0, offset: 0, invalidLines: 0 });
      const stored = await repo().store(
        'nb',
        { generation: 0, offset: 0 },
        { points: [point(0, 'acc', 0.8, { step: 1, epoch: 0 }), point(60, 'loss', 0.25)], invalid: 1, next: { generation: 0, offset: 120 } },
      );
      expect(stored).toBe(true);
      expect(await repo().readState('nb')).toEqual({ generation: 0, offset: 120, invalidLines: 1 });
      expect(await repo().list('nb')).toEqual([
        { name: 'acc', value: 0.8, step: 1, epoch: 0, loggedAt: Date.UTC(2026, 11, 3) },
        { name: 'loss', value: 0.25, step: null, epoch: null, loggedAt: Date.UTC(2026, 11, 3) + 60 },
      ]);
      expect((await repo().list('nb', 'loss')).map((m) => m.value)).toEqual([0.25]);
    });

    it('writes nothing for a read that started where the file no longer is read from (a retried attempt)', async () => {
      await createWorkspaceRecord(ctx.store, 'nb');
      const read = { points: [point(0, 'acc', 0.8)], invalid: 2, next: { generation: 0, offset: 50 } };
      expect(await repo().store('nb', { generation: 0, offset: 0 }, read)).toBe(true);
      expect(await repo().store('nb', { generation: 0, offset: 0 }, read)).toBe(false);
      expect(await repo().list('nb')).toHaveLength(1);
      expect(await repo().readState('nb')).toEqual({ generation: 0, offset: 50, invalidLines: 2 });
    });

    it('keys each point by its line: the same line stored again (a race past the check) stays one row', async () => {
      await createWorkspaceRecord(ctx.store, 'nb');
      await repo().store('nb', { generation: 0, offset: 0 }, { points: [point(0, 'acc', 0.8)], invalid: 0, next: { generation: 0, offset: 50 } });
      await repo().store('nb', { generation: 0, offset: 50 }, { points: [point(0, 'acc', 0.8)], invalid: 0, next: { generation: 0, offset: 50 } });
      expect(await repo().list('nb')).toHaveLength(1);
      // A new generation (the file written anew) starts its offsets again without colliding.
      await repo().store('nb', { generation: 0, offset: 50 }, { points: [point(0, 'acc', 0.1)], invalid: 0, next: { generation: 1, offset: 50 } });
      expect((await repo().list('nb')).map((m) => m.value)).toEqual([0.8, 0.1]);
    });

    it('keeps workspaces apart, and forgets one workspace’s points and position on delete', async () => {
      await createWorkspaceRecord(ctx.store, 'nb');
      await createWorkspaceRecord(ctx.store, 'other');
      for (const name of ['nb', 'other']) {
        await repo().store(name, { generation: 0, offset: 0 }, { points: [point(0, name, 1)], invalid: 0, next: { generation: 0, offset: 40 } });
      }
      await repo().delete('nb');
      expect(await repo().list('nb')).toEqual([]);
      expect(await repo().readState('nb')).toEqual({ generation: 0, offset: 0, invalidLines: 0 });
      expect((await repo().list('other')).map((m) => m.name)).toEqual(['other']);
    });

    it('refuses points of a workspace that does not exist', async () => {
      await expect(
        repo().store('ghost', { generation: 0, offset: 0 }, { points: [point(0, 'acc', 1)], invalid: 0, next: { generation: 0, offset: 40 } }),
      ).rejects.toThrow();
    });
  });
}
