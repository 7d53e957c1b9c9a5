import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/activity-deps.js';
import { createWorkspaceActivities } from '../../../activities/workspaces.js';
import { openMetadataStore, type MetadataStore } from '../../../core/metadata/metadata-store.js';
import { sliceChunk } from '../../../core/workspaces/metrics-file-chunk.js';
import { createWorkspaceRecord, metricLine } from '../../support/workspace-metrics-fixture.js';

describe('the workspace activities store notebook metrics at each look and on stop, and forget them on delete', () => {
  let dir: string;
  let metadata: MetadataStore;
  let file: string;
  let failReads: boolean;
  let activities: ReturnType<typeof createWorkspaceActivities>;
  const names = async () => (await metadata.workspaceMetrics.list('nb')).map((m) => m.name);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-ws-activities-'));
    metadata = await openMetadataStore({ sqlitePath: join(dir, 'kiln.sqlite') });
    await createWorkspaceRecord(metadata, 'nb');
    file = '';
    failReads = false;
    const workspaces = {
      readMetricsFile: async (_name: string, offset: number, max: number) => {
        if (failReads) throw new Error('store unreachable');
        return sliceChunk(Buffer.from(file), offset, max);
      },
      stop: async () => {
        // The server's last lines land as it stops.
        file += metricLine({ name: 'written-while-stopping', value: 1 });
      },
      remove: async () => {},
    };
    activities = createWorkspaceActivities({ metadata, platform: { workspaces } } as unknown as ActivityDeps);
  });
  afterEach(async () => {
    await metadata.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a look stores what was logged since the last one', async () => {
    file += metricLine({ name: 'acc', value: 0.9, step: 1 });
    await activities.probeWorkspace({ name: 'nb' });
    expect(await names()).toEqual(['acc']);
  });

  it('a stop stores the lines written up to the end of the server', async () => {
    await activities.stopWorkspaceServer({ name: 'nb', status: 'stopped', reason: 'idle' });
    expect(await names()).toEqual(['written-while-stopping']);
    expect((await metadata.workspaces.get('nb'))?.status).toBe('stopped');
  });

  it('a look or a stop that cannot read the file still succeeds: the lines wait for the next one', async () => {
    failReads = true;
    file += metricLine({ name: 'acc', value: 0.9 });
    await expect(activities.probeWorkspace({ name: 'nb' })).resolves.toEqual({ alive: false, lastActivityMs: null });
    await activities.stopWorkspaceServer({ name: 'nb', status: 'stopped', reason: 'idle' });
    failReads = false;
    await activities.probeWorkspace({ name: 'nb' });
    expect(await names()).toEqual(['acc', 'written-while-stopping']);
  });

  it('delete forgets the points with the workspace', async () => {
    file += metricLine({ name: 'acc', value: 0.9 });
    await activities.probeWorkspace({ name: 'nb' });
    await activities.removeWorkspace({ name: 'nb' });
    expect(await metadata.workspaceMetrics.list('nb')).toEqual([]);
    expect(await metadata.workspaces.get('nb')).toBeUndefined();
  });
});
