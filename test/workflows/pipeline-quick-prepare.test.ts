/**
 * A run's inputs frozen in its first workflow task (prepareRunQuickly, a local activity) or,
 * when that cannot be, by the durable prepareRun activity: on the real Temporal server, with
 * test-double activities.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { fakeActivities, installQuietRuntime, pipelineInput, startPipeline, useTemporalEnv, withWorker } from './workflow-harness.js';

installQuietRuntime();

const env = useTemporalEnv();

const scheduledActivities = async (handle: Awaited<ReturnType<typeof startPipeline>>) =>
  ((await handle.fetchHistory()).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

describe('pipelineWorkflow freezing its inputs', () => {
  it('a dataset too large for the quick path goes to the durable prepareRun with the same input', async () => {
    const fakes = fakeActivities({
      async prepareRunQuickly() {
        return { deferred: 'dataset /data/big.csv is 900 MiB' };
      },
    });
    const input = pipelineInput();
    const { result, handle } = await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(env, taskQueue, input);
      return { result: await handle.result(), handle };
    });
    expect(result.status).toBe('succeeded');
    expect(fakes.names().slice(0, 3)).toEqual(['prepareRunQuickly', 'prepareRun', 'runStage']);
    expect(fakes.inputsOf('prepareRun')).toEqual(fakes.inputsOf('prepareRunQuickly'));
    expect((await scheduledActivities(handle))[0]).toBe('prepareRun');
  });

  it('a failing quick path is tried again durably: the durable attempt decides, and its error is the run’s', async () => {
    const fakes = fakeActivities({
      async prepareRunQuickly() {
        throw new Error('disk hiccup while hashing');
      },
      async prepareRun() {
        throw ApplicationFailure.create({ type: 'MissingDataError', nonRetryable: true, message: 'dataset file /data/iris.csv does not exist' });
      },
    });
    const error = await withWorker(env, fakes.activities, async (taskQueue) =>
      (await startPipeline(env, taskQueue, pipelineInput())).result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(/does not exist/);
    expect(fakes.names().filter((name) => name.startsWith('prepareRun'))).toEqual(['prepareRunQuickly', 'prepareRun']);
    expect(fakes.names()).not.toContain('runStage');
  });

  it('a quick path that succeeds is the only preparation: nothing is scheduled before the first stage', async () => {
    const fakes = fakeActivities();
    const { handle } = await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(env, taskQueue, pipelineInput());
      return { result: await handle.result(), handle };
    });
    expect(fakes.names()).not.toContain('prepareRun');
    expect((await scheduledActivities(handle))[0]).toBe('runStage');
  });
});
