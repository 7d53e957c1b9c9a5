/**
 * The rollout workflow on the real dev server with test-double activities: a challenger whose
 * samples break a bound is rolled back (the champion untouched, nothing deployed), one within
 * its bounds is promoted through the deploy path and made champion, a shadow only reports, and a
 * cancelled rollout still leaves the champion serving alone; a promotion overtaken by another
 * that served after it is not crowned. Each history replays.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { ChallengerSummary } from '../../core/rollout/rollout-verdict.js';
import { RolloutSpec, type RolloutSpecInput } from '../../core/specs/rollout.js';
import { type RolloutInput, type rolloutWorkflow, rolloutStateQuery } from '../../workflows/rollout.js';
import { fakeActivities, installQuietRuntime, uniqueId, useTemporalEnv, withWorker, type FakeActivities, replayOptions } from './workflow-harness.js';

installQuietRuntime();
const env = useTemporalEnv();
type Handle = WorkflowHandle<typeof rolloutWorkflow>;

const healthy: ChallengerSummary = { requests: 200, errors: 0, errorRate: 0, p95Ms: 10, agreement: null, predictionPsi: 0.01 };
/** The bad challenger: it answers, but a fifth of its requests fail. */
const failing: ChallengerSummary = { ...healthy, errors: 40, errorRate: 0.2 };

function rolloutInput(rollout: RolloutSpecInput): RolloutInput {
  return {
    modelName: 'iris',
    championVersion: 3,
    challengerVersion: 4,
    rollout: RolloutSpec.parse(rollout),
    observeMs: 1_500,
    sampleEveryMs: 500,
    actor: 'alice',
  };
}

async function runRollout(fakes: FakeActivities, input: RolloutInput, during?: (handle: Handle) => Promise<void>) {
  return withWorker(env, fakes.activities, async (taskQueue) => {
    const handle: Handle = await env.client.workflow.start<typeof rolloutWorkflow>('rolloutWorkflow', {
      taskQueue,
      workflowId: uniqueId('rollout-iris'),
      args: [input],
      workflowExecutionTimeout: env.workflowExecutionTimeout,
    });
    await during?.(handle);
    const result = await handle.result().catch((error: unknown) => error);
    await Worker.runReplayHistory(replayOptions(env.bundle), await handle.fetchHistory(), handle.workflowId);
    return { handle, result };
  });
}

describe('rolloutWorkflow', () => {
  it('rolls a canary back at the first sample over max_error_rate: the candidate stops, nothing is deployed, champion untouched', async () => {
    let samples = 0;
    const fakes = fakeActivities({ sampleRollout: async () => (++samples >= 2 ? failing : healthy) });
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'canary', percent: 20, duration: '10s' }));
    expect(result).toMatchObject({ step: 'done', outcome: 'rolled_back', samples: 2, reason: 'error rate 0.2 over max_error_rate 0.01 (40 of 200 requests)' });
    expect(fakes.names()).toEqual(['openRollout', 'sampleRollout', 'sampleRollout', 'endRollout']);
    expect(fakes.inputsOf('endRollout')[0]).toMatchObject({ modelName: 'iris', challengerVersion: 4, outcome: 'rolled_back' });
    expect(fakes.inputsOf('openRollout')[0]).toMatchObject({ championVersion: 3, challengerVersion: 4, spec: { percent: 20 }, startedBy: 'alice' });
  });

  it('promotes a canary that holds for its whole duration: served through the deploy path, then made champion', async () => {
    const fakes = fakeActivities();
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'canary', percent: 20, duration: '10s' }));
    expect(result).toMatchObject({ outcome: 'promoted', samples: 3 });
    expect(fakes.names()).toEqual(['openRollout', 'sampleRollout', 'sampleRollout', 'sampleRollout', 'deployModel', 'moveAliasWhileServing', 'endRollout']);
    expect(fakes.inputsOf('deployModel')).toEqual([{ modelName: 'iris', version: 4 }]);
    expect(fakes.inputsOf('moveAliasWhileServing')[0]).toMatchObject({ alias: 'champion', version: 4, actor: 'alice' });
    expect(fakes.inputsOf('endRollout')[0]).toMatchObject({ outcome: 'promoted' });
    expect(result).not.toHaveProperty('overtakenBy');
  });

  it('a canary overtaken by a promotion that served after it is not crowned: it ends rolled back, naming the version that serves', async () => {
    const fakes = fakeActivities({ moveAliasWhileServing: async () => ({ moved: false, servingVersion: 5 }) });
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'canary', percent: 20, duration: '10s' }));
    const reason = 'v4 was served, but v5 was promoted at the same time and serves';
    expect(result).toMatchObject({ step: 'done', outcome: 'rolled_back', overtakenBy: 5, reason });
    expect(result).not.toHaveProperty('endpoint');
    expect(fakes.names().slice(-3)).toEqual(['deployModel', 'moveAliasWhileServing', 'endRollout']);
    expect(fakes.names()).not.toContain('moveAlias');
    expect(fakes.inputsOf('endRollout')[0]).toMatchObject({ challengerVersion: 4, outcome: 'rolled_back', reason });
  });

  it('a replace overtaken while the model was undeployed ends rolled back with nothing serving', async () => {
    const fakes = fakeActivities({ moveAliasWhileServing: async () => ({ moved: false, servingVersion: null }) });
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'replace' }));
    expect(result).toMatchObject({
      outcome: 'rolled_back',
      overtakenBy: null,
      reason: 'v4 was served, but the model was undeployed before it became champion',
    });
    expect(fakes.names()).toEqual(['deployModel', 'moveAliasWhileServing']);
  });

  it('rolls back a canary that held its bounds but saw fewer than min_requests: never deployed', async () => {
    const fakes = fakeActivities({ sampleRollout: async () => ({ ...healthy, requests: 4 }) });
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'canary', percent: 20, duration: '10s', min_requests: 100 }));
    expect(result).toMatchObject({ outcome: 'rolled_back', samples: 3, reason: 'only 4 requests reached the challenger, fewer than min_requests 100' });
    expect(fakes.names()).toEqual(['openRollout', 'sampleRollout', 'sampleRollout', 'sampleRollout', 'endRollout']);
  });

  it('rolls back when the challenger cannot start, and never deploys it', async () => {
    const fakes = fakeActivities({
      openRollout: async () => {
        throw Object.assign(new Error('environment 1234 is not built on this machine'), { name: 'EnvironmentUnavailableError' });
      },
    });
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'canary', percent: 20, duration: '10s' }));
    expect(result).toMatchObject({ outcome: 'rolled_back', reason: expect.stringContaining('challenger did not start') });
    expect(fakes.names()).not.toContain('deployModel');
    expect(fakes.names().at(-1)).toBe('endRollout');
  });

  it('ends a shadow with its report and leaves the champion serving', async () => {
    const fakes = fakeActivities({ sampleRollout: async () => ({ ...healthy, agreement: 0.97 }) });
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'shadow', duration: '10s' }));
    expect(result).toMatchObject({ outcome: 'completed', reason: expect.stringContaining('agreement 0.97') });
    expect(fakes.names()).not.toContain('deployModel');
  });

  it('replaces at once with strategy replace', async () => {
    const fakes = fakeActivities();
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'replace' }));
    expect(result).toMatchObject({ outcome: 'promoted' });
    expect(fakes.names()).toEqual(['deployModel', 'moveAliasWhileServing']);
  });

  it('rolls back when cancelled while observing, and shows its step to a query', async () => {
    const fakes = fakeActivities();
    const { result } = await runRollout(fakes, rolloutInput({ strategy: 'canary', percent: 20, duration: '10s' }), async (handle) => {
      for (let i = 0; i < 100 && (await handle.query(rolloutStateQuery)).samples < 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await handle.query(rolloutStateQuery)).toMatchObject({ step: 'observing', samples: 1 });
      await handle.cancel();
    });
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(fakes.names()).not.toContain('deployModel');
    expect(fakes.inputsOf('endRollout')).toEqual([expect.objectContaining({ outcome: 'rolled_back', reason: 'rollout cancelled' })]);
  });
});
