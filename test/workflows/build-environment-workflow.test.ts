/**
 * buildEnvironmentWorkflow on the real Temporal dev server: concurrent runs needing the same
 * environment share one build (workflow id from the digest + USE_EXISTING).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BuildResult, EnvironmentRef } from '../../activities/environments.js';
import { environmentBuildWorkflowId } from '../../core/pipeline/workflow-ids.js';
import type { buildEnvironmentWorkflow } from '../../workflows/build-environment.js';
import { blockUntil, deferred, fakeActivities, installQuietRuntime, pipelineInput, withWorker, useTemporalEnv } from './workflow-harness.js';

installQuietRuntime();

const env = useTemporalEnv();

describe('buildEnvironmentWorkflow on the real dev server', () => {
  it('two concurrent starts with the same id and USE_EXISTING share one build and both get its result', async () => {
    const bothStarted = deferred();
    const built: BuildResult = { digest: '', venvDir: '/tmp/kiln-fake/envs/shared', pythonVersion: '3.11.9', durationMs: 4321, reused: false };
    const fakes = fakeActivities({
      async buildEnvironment(input: EnvironmentRef) {
        await blockUntil(bothStarted.promise);
        return { ...built, digest: input.digest };
      },
    });
    // A fresh digest per test run: the dev server outlives this file, and workflow ids are the digest's.
    const ref: EnvironmentRef = { ...pipelineInput().environment, digest: randomBytes(32).toString('hex') };
    const [results, handles] = await withWorker(env, fakes.activities, async (taskQueue) => {
      const workflowId = environmentBuildWorkflowId(ref.digest, taskQueue);
      const start = () =>
        env.client.workflow.start<typeof buildEnvironmentWorkflow>('buildEnvironmentWorkflow', {
          taskQueue,
          workflowId,
          args: [ref],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowExecutionTimeout: '1 minute',
        });
      const handles = await Promise.all([start(), start()]);
      bothStarted.resolve();
      return [await Promise.all(handles.map((h) => h.result())), handles] as const;
    });

    expect(handles[0].firstExecutionRunId).toBe(handles[1].firstExecutionRunId);
    expect(fakes.names()).toEqual(['buildEnvironment']);
    expect(fakes.inputsOf('buildEnvironment')).toEqual([ref]);
    expect(results).toEqual([
      { ...built, digest: ref.digest },
      { ...built, digest: ref.digest },
    ]);
  });
});
