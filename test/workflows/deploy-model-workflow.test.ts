/**
 * The deployModel workflow (a rollback) on the real dev server with test-double activities: it
 * serves the version, then makes it champion only while that version is the one serving.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_OVERTAKEN } from '../../core/pipeline/workflow-ids.js';
import type { DeployModelInput } from '../../workflows/deploy-model.js';
import { ENDPOINT, fakeActivities, type FakeActivities, installQuietRuntime, replayOptions, useTemporalEnv, withWorker } from './workflow-harness.js';

installQuietRuntime();
const env = useTemporalEnv();
const rollback: DeployModelInput = { modelName: 'iris', version: 2, reason: 'rollback from v3', actor: 'alice' };

async function deploy(fakes: FakeActivities) {
  return withWorker(env, fakes.activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('deployModelWorkflow', { taskQueue, workflowId: `deploy-iris-${randomUUID()}`, args: [rollback] });
    const result = await handle.result().catch((error: unknown) => error);
    await Worker.runReplayHistory(replayOptions(env.bundle), await handle.fetchHistory(), handle.workflowId);
    return result;
  });
}

describe('deployModelWorkflow', () => {
  it('serves the version, then moves champion to it while it serves, recording who asked', async () => {
    const fakes = fakeActivities();
    expect(await deploy(fakes)).toEqual({ url: ENDPOINT, deploymentId: 'iris-v2' });
    expect(fakes.names()).toEqual(['deployModel', 'moveAliasWhileServing']);
    expect(fakes.inputsOf('moveAliasWhileServing')).toEqual([
      expect.objectContaining({ modelName: 'iris', alias: 'champion', version: 2, actor: 'alice', reason: 'rollback from v3' }),
    ]);
  });

  it('fails, saying which version serves, when a promotion served after it', async () => {
    const fakes = fakeActivities({ moveAliasWhileServing: async () => ({ moved: false, servingVersion: 4 }) });
    const failed = await deploy(fakes);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    const cause = (failed as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({
      type: DEPLOYMENT_OVERTAKEN,
      message: 'iris v2 was deployed, but a promotion served v4 after it, which serves and stays champion',
    });
    expect(fakes.names()).not.toContain('moveAlias');
  });
});
