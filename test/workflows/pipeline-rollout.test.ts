/**
 * A project's `rollout` at promotion (ROLLOUT_ON_PROMOTION_PATCH), on real Temporal servers with
 * test-double activities: a version that wins promotion while another serves goes out through
 * the model's rollout workflow, a child of the run. A canary within bounds is promoted by the
 * rollout (served alone, champion moved and linked to the run); one that breaks a bound is rolled
 * back and the version stays challenger, as does one overtaken by a promotion that served after it; a shadow only reports; with nothing serving the version
 * is served as before; a rollout already running leaves the version challenger; cancelling the
 * run rolls the canary back. Each history replays.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { PromotionPlan } from '../../activities/promotion.js';
import { rolloutWorkflowId } from '../../core/pipeline/workflow-ids.js';
import type { RunProgress } from '../../core/pipeline/run-progress.js';
import type { ChallengerSummary } from '../../core/rollout/rollout-verdict.js';
import { durationMs } from '../../core/specs/duration.js';
import type { RolloutSpecInput } from '../../core/specs/rollout.js';
import type { pipelineWorkflow } from '../../workflows/pipeline.js';
import type { RolloutInput } from '../../workflows/rollout.js';
import { useTimeSkippingEnv } from './time-skipping-env.js';
import {
  ENDPOINT,
  fakeActivities,
  installQuietRuntime,
  MODEL_VERSION,
  pipelineInput,
  startPipeline,
  uniqueId,
  useTemporalEnv,
  withWorker,
  type FakeActivities,
  type TemporalEnv,
  replayOptions,
} from './workflow-harness.js';

installQuietRuntime();
const env = useTemporalEnv();
/** Canaries watch for minutes: the test server skips them. */
const skipping = useTimeSkippingEnv();
type Handle = WorkflowHandle<typeof pipelineWorkflow>;

const SERVING = 3;
const healthy: ChallengerSummary = { requests: 200, errors: 0, errorRate: 0, p95Ms: 10, agreement: 0.99, predictionPsi: 0.01 };
const failing: ChallengerSummary = { ...healthy, errors: 40, errorRate: 0.2 };
const canary: RolloutSpecInput = { strategy: 'canary', percent: 20, duration: '2m' };

/** Champion v3 serves and the project does not compare: the run's version wins and is rolled out beside it. */
function servingChampion(overrides: Parameters<typeof fakeActivities>[0] = {}): FakeActivities {
  return fakeActivities({
    planPromotion: async (): Promise<PromotionPlan> => ({ kind: 'replace', championVersion: SERVING }),
    planRollout: async ({ duration }) => ({ servingVersion: SERVING, observeMs: durationMs(duration) }),
    ...overrides,
  });
}

async function runPipeline(
  on: TemporalEnv,
  fakes: FakeActivities,
  rollout: RolloutSpecInput,
  project = uniqueId('iris'),
  during?: (h: Handle) => Promise<void>,
) {
  const input = pipelineInput({ runId: uniqueId(project), project: { name: project, rollout } });
  return withWorker(on, fakes.activities, async (q) => {
    const handle: Handle = await startPipeline(on, q, input);
    await during?.(handle);
    const result = await handle.result().catch((error: unknown) => error);
    await Worker.runReplayHistory(replayOptions(on.bundle), await handle.fetchHistory(), handle.workflowId);
    const child = on.client.workflow.getHandle(rolloutWorkflowId(project));
    return { input, result: result as RunProgress, handle, child };
  });
}

const stepOf = (progress: RunProgress, name: string) => progress.steps.find((s) => s.step === name)!;

describe('a project rollout at promotion', () => {
  it('a canary within bounds is promoted by the rollout: served alone, champion moved once and linked to the run', async () => {
    const fakes = servingChampion({ sampleRollout: async () => healthy });
    const { input, result, child } = await runPipeline(skipping, fakes, canary);
    expect(result.promotion).toBe('champion');
    expect(result.endpoint).toBe(ENDPOINT);
    expect(stepOf(result, 'serve')).toMatchObject({ status: 'succeeded', message: expect.stringContaining('canary passed') });
    expect(stepOf(result, 'promote')).toMatchObject({ status: 'succeeded', message: expect.stringContaining(`v${MODEL_VERSION} is champion`) });
    expect(fakes.inputsOf('openRollout')).toEqual([
      expect.objectContaining({ championVersion: SERVING, challengerVersion: MODEL_VERSION, spec: expect.objectContaining({ percent: 20 }) }),
    ]);
    // Sampled every 12 s of the 2 minutes (server time), then deployed once, by the rollout.
    expect(fakes.inputsOf('sampleRollout')).toHaveLength(10);
    expect(fakes.inputsOf('deployModel')).toEqual([{ modelName: input.project.name, version: MODEL_VERSION }]);
    expect(fakes.inputsOf('moveAlias')).toEqual([]);
    const moves = fakes.inputsOf('moveAliasWhileServing');
    expect(moves).toEqual([expect.objectContaining({ alias: 'champion', version: MODEL_VERSION, actor: 'promotion', runId: input.runId })]);
    expect(moves[0]!.eventId).toMatch(new RegExp(`^${rolloutWorkflowId(input.project.name)}/`));
    const described = await child.describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.parentExecution?.workflowId).toBe(input.runId);
    expect(await child.result()).toMatchObject({ outcome: 'promoted' });
  });

  it('a canary overtaken by a promotion that served after it: the version ends challenger, the one serving stays champion', async () => {
    const fakes = servingChampion({ sampleRollout: async () => healthy, moveAliasWhileServing: async () => ({ moved: false, servingVersion: 8 }) });
    const { result, child } = await runPipeline(skipping, fakes, canary);
    expect(result.promotion).toBe('challenger');
    expect(result.endpoint).toBeUndefined();
    expect(stepOf(result, 'promote').message).toContain(`v${MODEL_VERSION} `);
    expect(stepOf(result, 'promote').message).toContain('but v8 was promoted at the same time and serves');
    expect(stepOf(result, 'serve')).toMatchObject({ message: 'v8 serves' });
    expect(await child.result()).toMatchObject({ outcome: 'rolled_back', overtakenBy: 8 });
    expect(fakes.inputsOf('moveAlias')).toEqual([expect.objectContaining({ alias: 'challenger', version: MODEL_VERSION })]);
  });

  it('a canary that breaks a bound is rolled back: nothing deployed, the version stays challenger, the serving one champion', async () => {
    let samples = 0;
    const fakes = servingChampion({ sampleRollout: async () => (++samples >= 2 ? failing : healthy) });
    const { result } = await runPipeline(skipping, fakes, canary);
    expect(result.promotion).toBe('challenger');
    expect(stepOf(result, 'promote')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('rolled back: error rate 0.2 over max_error_rate 0.01'),
    });
    expect(stepOf(result, 'serve')).toMatchObject({ status: 'skipped', message: `champion v${SERVING} keeps serving` });
    expect(fakes.inputsOf('deployModel')).toEqual([]);
    expect(fakes.inputsOf('endRollout')).toEqual([expect.objectContaining({ outcome: 'rolled_back', challengerVersion: MODEL_VERSION })]);
    expect(fakes.inputsOf('moveAlias')).toEqual([expect.objectContaining({ alias: 'challenger', version: MODEL_VERSION })]);
  });

  it('a shadow reports and ends: the version stays challenger with the agreement in the reason', async () => {
    const fakes = servingChampion({ sampleRollout: async () => healthy });
    const { result } = await runPipeline(skipping, fakes, { strategy: 'shadow', duration: '1m' });
    expect(result.promotion).toBe('challenger');
    expect(stepOf(result, 'promote').message).toMatch(/shadow ended, not promoted: .*agreement 0\.99/);
    expect(fakes.inputsOf('deployModel')).toEqual([]);
    expect(fakes.inputsOf('moveAlias')).toEqual([expect.objectContaining({ alias: 'challenger' })]);
  });

  it('with nothing serving there is nothing to roll out beside: the version is served and made champion as before', async () => {
    const fakes = servingChampion({ planRollout: async ({ duration }) => ({ servingVersion: null, observeMs: durationMs(duration) }) });
    const { input, result } = await runPipeline(env, fakes, canary);
    expect(result.promotion).toBe('champion');
    expect(fakes.names()).not.toContain('openRollout');
    expect(fakes.inputsOf('deployModel')).toEqual([{ modelName: input.project.name, version: MODEL_VERSION }]);
    expect(fakes.inputsOf('moveAliasWhileServing')).toEqual([expect.objectContaining({ eventId: `${input.runId}/champion`, alias: 'champion' })]);
  });

  it('a rollout of the model already running leaves the version challenger and the running rollout alone', async () => {
    const project = uniqueId('busy');
    // Nobody polls this queue: the rollout stays running, holding the model's rollout id.
    const busy: RolloutInput = {
      modelName: project,
      championVersion: SERVING,
      challengerVersion: 2,
      rollout: { strategy: 'shadow', duration: '10m' },
      observeMs: 600_000,
      actor: 'alice',
    };
    const blocker = await env.client.workflow.start('rolloutWorkflow', { taskQueue: uniqueId('nobody'), workflowId: rolloutWorkflowId(project), args: [busy] });
    try {
      const fakes = servingChampion();
      const { result } = await runPipeline(env, fakes, canary, project);
      expect(result.promotion).toBe('challenger');
      expect(stepOf(result, 'promote').message).toContain(`a rollout of ${project} is already running`);
      expect(fakes.names()).not.toContain('openRollout');
      expect((await blocker.describe()).status.name).toBe('RUNNING');
    } finally {
      await blocker.terminate('test over');
    }
  });

  it('cancelling the run during a canary cancels the rollout, which rolls back', async () => {
    const fakes = servingChampion({ sampleRollout: async () => healthy });
    const { result, child } = await runPipeline(env, fakes, { strategy: 'canary', percent: 20, duration: '10m' }, uniqueId('iris'), async (handle) => {
      for (let i = 0; i < 200 && !fakes.names().includes('openRollout'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fakes.names()).toContain('openRollout');
      await handle.cancel();
    });
    expect(result).toBeInstanceOf(Error);
    expect((await child.describe()).status.name).toBe('CANCELLED');
    expect(fakes.inputsOf('endRollout')).toEqual([expect.objectContaining({ outcome: 'rolled_back', reason: 'rollout cancelled' })]);
    expect(fakes.inputsOf('deployModel')).toEqual([]);
  });
});
