/**
 * The workspace workflow on the real dev server with test-double activities and millisecond
 * timings (the spec's 1-minute minimum is the API's; the workflow takes what it is given): idle
 * culling, max_lifetime, stop and start by signal, a dead server, deletion. Each history replays.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { KilnWorkspace } from '../../core/temporal/search-attributes.js';
import { snapshotWorkspaceUpdate, type WorkspaceInput, type workspaceWorkflow, workspaceStateQuery } from '../../workflows/workspace.js';
import { until } from './recording/scenario.js';
import { workspaceInput } from './recording/workspace-scenarios.js';
import {
  SOURCE_DIGEST,
  fakeActivities,
  installQuietRuntime,
  replayOptions,
  uniqueId,
  useTemporalEnv,
  withWorker,
  type FakeActivities,
} from './workflow-harness.js';

installQuietRuntime();
const env = useTemporalEnv();
type Handle = WorkflowHandle<typeof workspaceWorkflow>;

async function runWorkspace(fakes: FakeActivities, input: WorkspaceInput, during: (handle: Handle) => Promise<void>) {
  return withWorker(env, fakes.activities, async (taskQueue) => {
    const handle: Handle = await env.client.workflow.start<typeof workspaceWorkflow>('workspaceWorkflow', {
      taskQueue,
      workflowId: uniqueId('workspace'),
      args: [input],
      workflowExecutionTimeout: env.workflowExecutionTimeout,
      typedSearchAttributes: [{ key: KilnWorkspace, value: input.name }],
    });
    await during(handle);
    const result = await handle.result();
    await Worker.runReplayHistory(replayOptions(env.bundle), await handle.fetchHistory(), handle.workflowId);
    return { handle, result };
  });
}

const count = (fakes: FakeActivities, name: string) => fakes.names().filter((n) => n === name).length;
/** The stop activity is counted as it begins; the workflow says `stopped` only once it has ended. */
const stoppedAfter = async (handle: Handle, fakes: FakeActivities, stops: number) =>
  count(fakes, 'stopWorkspaceServer') === stops && (await handle.query(workspaceStateQuery)).phase === 'stopped';

describe('workspaceWorkflow', () => {
  it('stops an idle server after idle_timeout, starts it again on start (files prepared once), and deletes it', async () => {
    const fakes = fakeActivities({ probeWorkspace: async () => ({ alive: true, lastActivityMs: null }) });
    const started = Date.now();
    const { result } = await runWorkspace(fakes, workspaceInput({ idleTimeoutMs: 1_500 }), async (handle) => {
      await until('the idle stop', async () => await stoppedAfter(handle, fakes, 1));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(await handle.query(workspaceStateQuery)).toMatchObject({ phase: 'stopped', reason: 'idle for 2s (idle_timeout)', starts: 1 });
      expect((await handle.describe()).typedSearchAttributes.get(KilnWorkspace)).toBe('notebooks');
      // A snapshot works whether the server runs or not: it reads the files only.
      expect(await handle.executeUpdate(snapshotWorkspaceUpdate)).toEqual({ digest: SOURCE_DIGEST, fileCount: 3 });
      await handle.signal('startWorkspace');
      await until('the second start', async () => count(fakes, 'startWorkspaceServer') === 2);
      await handle.signal('deleteWorkspace');
    });
    expect(result).toMatchObject({ phase: 'deleting', starts: 2 });
    expect(fakes.inputsOf('snapshotWorkspaceSource')).toEqual([{ name: 'notebooks' }]);
    expect(fakes.inputsOf('stopWorkspaceServer')[0]).toEqual({ name: 'notebooks', status: 'stopped', reason: 'idle for 2s (idle_timeout)' });
    expect(count(fakes, 'prepareWorkspace')).toBe(1);
    expect(fakes.names().slice(-2)).toEqual(['stopWorkspaceServer', 'removeWorkspace']);
    expect(fakes.inputsOf('startWorkspaceServer')[0]).toEqual({ name: 'notebooks', digest: 'ab'.repeat(32) });
  });

  it('keeps a server in use running until max_lifetime', async () => {
    const fakes = fakeActivities({ probeWorkspace: async () => ({ alive: true, lastActivityMs: Date.now() }) });
    await runWorkspace(fakes, workspaceInput({ idleTimeoutMs: 60_000, maxLifetimeMs: 2_000 }), async (handle) => {
      await until('the lifetime stop', async () => count(fakes, 'stopWorkspaceServer') === 1);
      expect(count(fakes, 'probeWorkspace')).toBeGreaterThanOrEqual(1);
      await handle.signal('deleteWorkspace');
    });
    expect(fakes.inputsOf('stopWorkspaceServer')[0]).toMatchObject({ status: 'stopped', reason: 'max_lifetime 2s reached' });
  });

  it('stops on request at once, and marks a server that died as failed', async () => {
    let alive = true;
    const fakes = fakeActivities({ probeWorkspace: async () => ({ alive, lastActivityMs: Date.now() }) });
    await runWorkspace(fakes, workspaceInput({ idleTimeoutMs: 60_000 }), async (handle) => {
      await until('running', async () => (await handle.query(workspaceStateQuery)).phase === 'running');
      await handle.signal('stopWorkspace');
      await until('the requested stop', async () => count(fakes, 'stopWorkspaceServer') === 1);
      await handle.signal('startWorkspace');
      await until('the second start', async () => count(fakes, 'startWorkspaceServer') === 2);
      alive = false;
      await until('the failed stop', async () => count(fakes, 'stopWorkspaceServer') === 2);
      await handle.signal('deleteWorkspace');
    });
    const stops = fakes.inputsOf('stopWorkspaceServer');
    expect(stops[0]).toMatchObject({ status: 'stopped', reason: 'stopped by request' });
    expect(stops[1]).toMatchObject({ status: 'failed', reason: 'the server exited' });
  });

  it('a start that fails for good leaves the workspace failed with the reason, and start tries again', async () => {
    let starts = 0;
    const fakes = fakeActivities({
      startWorkspaceServer: async () => {
        if (++starts === 1) throw ApplicationFailure.nonRetryable('JupyterLab did not answer', 'BackendUnavailableError');
        return { url: 'http://127.0.0.1:1' };
      },
    });
    await runWorkspace(fakes, workspaceInput({ idleTimeoutMs: 60_000 }), async (handle) => {
      await until('the failed start', async () => await stoppedAfter(handle, fakes, 1));
      expect(await handle.query(workspaceStateQuery)).toMatchObject({ phase: 'stopped', reason: 'could not start: JupyterLab did not answer', starts: 0 });
      await handle.signal('startWorkspace');
      await until('running', async () => (await handle.query(workspaceStateQuery)).phase === 'running');
      await handle.signal('deleteWorkspace');
    });
    expect(fakes.inputsOf('stopWorkspaceServer')[0]).toEqual({ name: 'notebooks', status: 'failed', reason: 'could not start: JupyterLab did not answer' });
    expect(count(fakes, 'prepareWorkspace')).toBe(1);
  });
});
