/**
 * Champion and challenger in the pipeline workflow, on the real dev server with test-double
 * activities: the champion's evaluation on the challenger's split, the comparison, aliases,
 * manual approval (update, rejection, and the 24h timeout on the time-skipping test server), and
 * scheduled starts. Each history replays.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { PromotionPlan } from '../../activities/promotion.js';
import type { StageInput } from '../../activities/stages.js';
import type { RunProgress } from '../../core/pipeline/run-progress.js';
import { KilnPromotion } from '../../core/temporal/search-attributes.js';
import { progressQuery, promotionDecisionUpdate } from '../../workflows/pipeline-signals.js';
import type { pipelineWorkflow } from '../../workflows/pipeline.js';
import {
  fakeActivities,
  installQuietRuntime,
  MODEL_VERSION,
  pipelineInput,
  stageResult,
  startPipeline,
  useTemporalEnv,
  withWorker,
  type InputOptions,
  replayOptions,
} from './workflow-harness.js';
import { useTimeSkippingEnv } from './time-skipping-env.js';

installQuietRuntime();
const env = useTemporalEnv();
/** For the approval timeout: a day passes in moments. */
const skipping = useTimeSkippingEnv();
const DAY_MS = 86_400_000;
type Handle = WorkflowHandle<typeof pipelineWorkflow>;

const CHAMPION_VERSION = 3;
/** Without `approval_timeout`, the spec's default (24h). */
const compareProject = (min_delta = 0.005, mode: 'auto' | 'manual' = 'auto', approval_timeout?: string): InputOptions => ({
  project: { promotion: { mode, approval_timeout, compare_to_champion: { metric: 'accuracy', direction: 'max', min_delta } } },
});

/** Fakes where a champion exists and evaluates to `championAccuracy` on the challenger's split. */
function withChampion(championAccuracy: number | undefined) {
  return fakeActivities({
    async planPromotion(input): Promise<PromotionPlan> {
      if (championAccuracy === undefined) return { kind: 'replace', championVersion: CHAMPION_VERSION };
      const evaluation: StageInput = {
        runId: input.runId,
        stage: 'evaluate',
        step: 'champion',
        entrypoint: input.evaluateEntrypoint,
        upstream: ['train'],
        sourceDigest: 'old'.padEnd(64, '0'),
        datasetPrefix: input.datasetPrefix,
        environmentDigest: 'e'.repeat(64),
        params: { learning_rate: 0.1, batch_size: 8, epochs: 2, seed: 1, extras: {} },
        timeoutSeconds: input.timeoutSeconds,
        upstreamRunIds: { train: 'champion-run' },
        cache: true,
        upstreamCacheKeys: { train: 'k'.repeat(64) },
      };
      return { kind: 'compare', championVersion: CHAMPION_VERSION, evaluation };
    },
    async runStage(input) {
      const result = stageResult(input, 1);
      return input.step === 'champion' ? { ...result, metrics: { accuracy: championAccuracy!, f1: 0.9 } } : result;
    },
  });
}

const stepOf = (progress: RunProgress, name: string) => progress.steps.find((s) => s.step === name)!;
const replays = async (handle: Handle) => Worker.runReplayHistory(replayOptions(env.bundle), await handle.fetchHistory(), handle.workflowId);

async function waitForApproval(handle: Handle): Promise<RunProgress> {
  for (let i = 0; i < 200; i++) {
    const progress = await handle.query(progressQuery);
    if (progress.promotion === 'awaiting_approval') return progress;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the run never waited for approval');
}

describe('champion vs challenger in the pipeline workflow', () => {
  it('no champion yet: the version is served, then made champion', async () => {
    const fakes = fakeActivities();
    const input = pipelineInput();
    const { result, handle } = await withWorker(env, fakes.activities, async (q) => {
      const handle = await startPipeline(env, q, input);
      return { result: await handle.result(), handle };
    });
    expect(fakes.names().slice(-4)).toEqual(['planPromotion', 'deployModel', 'moveAliasWhileServing', 'finishRun']);
    expect(fakes.inputsOf('planPromotion')[0]).toMatchObject({
      runId: input.runId,
      modelName: 'iris',
      version: MODEL_VERSION,
      evaluateChampion: false,
      evaluateEntrypoint: 'pipeline.py:evaluate',
    });
    expect(fakes.inputsOf('moveAliasWhileServing')).toEqual([
      {
        eventId: `${input.runId}/champion`,
        modelName: 'iris',
        alias: 'champion',
        version: MODEL_VERSION,
        actor: 'promotion',
        runId: input.runId,
        reason: 'first champion',
      },
    ]);
    expect(result.promotion).toBe('champion');
    expect(stepOf(result, 'promote')).toMatchObject({ status: 'succeeded', message: `v${MODEL_VERSION} is champion: first champion` });
    expect((await handle.describe()).typedSearchAttributes.get(KilnPromotion)).toBe('champion');
    await expect(replays(handle)).resolves.toBeUndefined();
  });

  it('a worse challenger stays challenger: the champion is evaluated on its split, nothing is deployed', async () => {
    const fakes = withChampion(0.958);
    const input = pipelineInput(compareProject());
    const { result, handle } = await withWorker(env, fakes.activities, async (q) => {
      const handle = await startPipeline(env, q, input);
      return { result: await handle.result(), handle };
    });
    const evaluations = fakes.inputsOf('runStage').filter((s) => s.stage === 'evaluate');
    expect(evaluations.map((s) => s.step)).toEqual([undefined, 'champion']);
    // Both evaluations read the same rows: the challenger's dataset version.
    expect(evaluations[1]!.datasetPrefix).toBe(evaluations[0]!.datasetPrefix);
    expect(fakes.names()).not.toContain('deployModel');
    expect(result.status).toBe('succeeded');
    expect(result.promotion).toBe('challenger');
    expect(result.champion).toEqual({ version: CHAMPION_VERSION, metrics: { accuracy: 0.958, f1: 0.9 } });
    expect(stepOf(result, 'promote')).toMatchObject({ status: 'skipped', message: 'did not beat champion v3 (0.95 vs 0.958, needs +0.005)' });
    expect(stepOf(result, 'serve')).toMatchObject({ status: 'skipped', message: 'champion v3 keeps serving' });
    expect(fakes.inputsOf('moveAlias')).toEqual([
      expect.objectContaining({ alias: 'challenger', version: MODEL_VERSION, eventId: `${input.runId}/challenger` }),
    ]);
    await expect(replays(handle)).resolves.toBeUndefined();
  });

  it('a tie within min_delta keeps the champion', async () => {
    const fakes = withChampion(0.947);
    const result = await withWorker(env, fakes.activities, async (q) => (await startPipeline(env, q, pipelineInput(compareProject(0.005)))).result());
    expect(result.promotion).toBe('challenger');
    expect(stepOf(result, 'promote').message).toBe('did not beat champion v3 (0.95 vs 0.947, needs +0.005)');
    expect(fakes.names()).not.toContain('deployModel');
  });

  it('a better challenger is served and becomes champion', async () => {
    const fakes = withChampion(0.9);
    const result = await withWorker(env, fakes.activities, async (q) => (await startPipeline(env, q, pipelineInput(compareProject()))).result());
    expect(result.promotion).toBe('champion');
    expect(stepOf(result, 'promote').message).toBe(`v${MODEL_VERSION} is champion: beat champion v3 (0.95 vs 0.9, needs +0.005)`);
    const names = fakes.names();
    expect(names.indexOf('deployModel')).toBeLessThan(names.indexOf('moveAliasWhileServing'));
    expect(fakes.inputsOf('moveAliasWhileServing')[0]).toMatchObject({ alias: 'champion', version: MODEL_VERSION, actor: 'promotion' });
  });

  it('overtaken by a promotion of the same model that served after it: the version ends challenger, the one serving stays champion', async () => {
    const fakes = fakeActivities({ moveAliasWhileServing: async () => ({ moved: false, servingVersion: 8 }) });
    const input = pipelineInput();
    const { result, handle } = await withWorker(env, fakes.activities, async (q) => {
      const handle = await startPipeline(env, q, input);
      return { result: await handle.result(), handle };
    });
    expect(fakes.names().slice(-5)).toEqual(['planPromotion', 'deployModel', 'moveAliasWhileServing', 'moveAlias', 'finishRun']);
    expect(fakes.inputsOf('moveAlias')).toEqual([
      expect.objectContaining({ eventId: `${input.runId}/challenger`, alias: 'challenger', version: MODEL_VERSION }),
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.promotion).toBe('challenger');
    // Its server was retired by the deployment that overtook it: no endpoint to point at.
    expect(result.endpoint).toBeUndefined();
    const message = `v${MODEL_VERSION} first champion, but v8 was promoted at the same time and serves`;
    expect(stepOf(result, 'promote')).toMatchObject({ status: 'skipped', message });
    expect(stepOf(result, 'serve')).toMatchObject({ status: 'skipped', message: 'v8 serves' });
    expect((await handle.describe()).typedSearchAttributes.get(KilnPromotion)).toBe('challenger');
    await expect(replays(handle)).resolves.toBeUndefined();
  });

  it('with serving off, champion moves as soon as the version wins (nothing serves to wait on)', async () => {
    const fakes = fakeActivities();
    const result = await withWorker(env, fakes.activities, async (q) => (await startPipeline(env, q, pipelineInput({ project: { serve: false } }))).result());
    expect(result.promotion).toBe('champion');
    expect(fakes.names()).not.toContain('moveAliasWhileServing');
    expect(fakes.inputsOf('moveAlias')).toEqual([expect.objectContaining({ alias: 'champion', version: MODEL_VERSION })]);
  });

  it('a version that already is champion (same model files) is not compared, no alias moves, and its deployment is only made sure of', async () => {
    const fakes = fakeActivities({ planPromotion: async () => ({ kind: 'already-champion', championVersion: MODEL_VERSION }) });
    const result = await withWorker(env, fakes.activities, async (q) => (await startPipeline(env, q, pipelineInput(compareProject()))).result());
    expect(fakes.names().filter((n) => n.startsWith('moveAlias'))).toEqual([]);
    expect(fakes.inputsOf('runStage')).toHaveLength(3);
    expect(fakes.inputsOf('deployModel')).toEqual([{ modelName: 'iris', version: MODEL_VERSION }]);
    expect(stepOf(result, 'promote')).toMatchObject({ status: 'skipped', message: `v${MODEL_VERSION} is already champion` });
    expect(stepOf(result, 'serve')).toMatchObject({ status: 'succeeded', message: `v${MODEL_VERSION} already champion, serving at http://127.0.0.1:18765` });
  });

  it('a champion that cannot be evaluated stays champion, and says why', async () => {
    const fakes = fakeActivities({
      planPromotion: async () => ({ kind: 'unavailable', championVersion: CHAMPION_VERSION, reason: 'its environment eeee is not built on this worker' }),
    });
    const result = await withWorker(env, fakes.activities, async (q) => (await startPipeline(env, q, pipelineInput(compareProject()))).result());
    expect(result.promotion).toBe('challenger');
    expect(stepOf(result, 'promote').message).toMatch(/champion v3 kept: it could not be evaluated on this split \(its environment eeee/);
    expect(fakes.names()).not.toContain('deployModel');
  });
});

describe('manual approval', () => {
  it('waits (visible in progress and KilnPromotion), then an approval serves the version and records who approved', async () => {
    const fakes = withChampion(0.9);
    const input = pipelineInput(compareProject(0.005, 'manual'));
    const { waiting, result, handle, decided } = await withWorker(env, fakes.activities, async (q) => {
      const handle = await startPipeline(env, q, input);
      const waiting = await waitForApproval(handle);
      expect(fakes.names()).not.toContain('deployModel');
      const decided = await handle.executeUpdate(promotionDecisionUpdate, { args: [{ approve: true, by: 'alice', reason: 'looks good' }] });
      return { waiting, result: await handle.result(), handle, decided };
    });
    expect(stepOf(waiting, 'promote')).toMatchObject({ status: 'waiting' });
    expect(stepOf(waiting, 'promote').message).toMatch(/^waiting for approval: kiln model approve iris --run .* beat champion v3/);
    expect(decided).toEqual({ runId: input.runId, version: MODEL_VERSION, approve: true });
    expect(result.decision).toMatchObject({ approve: true, by: 'alice', reason: 'looks good' });
    expect(result.promotion).toBe('champion');
    expect(fakes.inputsOf('moveAliasWhileServing')[0]).toMatchObject({
      alias: 'champion',
      actor: 'alice',
      reason: expect.stringMatching(/^approved by alice: looks good; beat champion v3/),
    });
    expect(fakes.names()).toContain('deployModel');
    await expect(replays(handle)).resolves.toBeUndefined();
  });

  it('a rejection keeps the champion and records who rejected', async () => {
    const fakes = withChampion(0.9);
    const input = pipelineInput(compareProject(0.005, 'manual'));
    const { result, handle } = await withWorker(env, fakes.activities, async (q) => {
      const handle = await startPipeline(env, q, input);
      await waitForApproval(handle);
      await handle.executeUpdate(promotionDecisionUpdate, { args: [{ approve: false, by: 'bob', reason: 'drifted features' }] });
      return { result: await handle.result(), handle };
    });
    expect(result.status).toBe('succeeded');
    expect(result.promotion).toBe('rejected');
    expect(stepOf(result, 'promote').message).toBe('rejected by bob: drifted features');
    expect(fakes.names()).not.toContain('deployModel');
    expect(fakes.inputsOf('moveAlias')).toEqual([expect.objectContaining({ alias: 'challenger', actor: 'bob' })]);
    expect((await handle.describe()).typedSearchAttributes.get(KilnPromotion)).toBe('rejected');
    await expect(replays(handle)).resolves.toBeUndefined();
  });

  it('no decision within approval_timeout (24h by default) rejects: still waiting a minute before, rejected at 24h', async () => {
    const fakes = withChampion(0.9);
    const input = pipelineInput(compareProject(0.005, 'manual'));
    expect(input.project.promotion.approval_timeout).toBe('24h');
    const { before, result, handle } = await withWorker(skipping, fakes.activities, async (q) => {
      const handle = await startPipeline(skipping, q, input);
      await waitForApproval(handle);
      await skipping.skip(DAY_MS - 60_000);
      const before = await handle.query(progressQuery);
      // Awaiting the result lets the server's clock run to the approval timer.
      return { before, result: await handle.result(), handle };
    });
    expect(before.promotion).toBe('awaiting_approval');
    expect(stepOf(before, 'promote').status).toBe('waiting');
    expect(result.promotion).toBe('rejected');
    expect(stepOf(result, 'promote').message).toBe('rejected: no decision within 24h');
    expect(stepOf(result, 'promote').durationMs).toBeGreaterThanOrEqual(DAY_MS);
    expect(stepOf(result, 'promote').durationMs).toBeLessThan(DAY_MS + 60_000);
    expect(fakes.names()).not.toContain('deployModel');
    expect(fakes.inputsOf('moveAlias')).toEqual([expect.objectContaining({ alias: 'challenger', actor: 'timeout' })]);
    expect((await handle.describe()).typedSearchAttributes.get(KilnPromotion)).toBe('rejected');
    await expect(Worker.runReplayHistory(replayOptions(skipping.bundle), await handle.fetchHistory(), handle.workflowId)).resolves.toBeUndefined();
  });

  it('a decision for a run that is not waiting is refused by the validator and changes nothing', async () => {
    const fakes = withChampion(0.9);
    const input = pipelineInput(compareProject(0.005, 'manual', '1h'));
    const refused = await withWorker(env, fakes.activities, async (q) => {
      const handle = await startPipeline(env, q, input);
      // Before the promote step: not waiting yet.
      const early = await handle.executeUpdate(promotionDecisionUpdate, { args: [{ approve: true, by: 'eve' }] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await waitForApproval(handle);
      await handle.executeUpdate(promotionDecisionUpdate, { args: [{ approve: false, by: 'bob' }] });
      await handle.result();
      return early;
    });
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as Error).message).toMatch(/is not waiting for approval/);
  });
});

describe('scheduled starts', () => {
  it("resolves the schedule's request at fire time; the run id is the workflow id and the trigger is recorded", async () => {
    const fakes = fakeActivities();
    const base = pipelineInput();
    const workflowId = `sched-nightly-${new Date().toISOString().slice(0, 19)}Z`;
    const spec = {
      name: 'nightly',
      project: 'iris',
      every: '1h',
      timezone: 'UTC',
      params: { epochs: 3 },
      run_policy: {},
      overlap: 'skip',
      catchup_window: '5m',
      pause_on_failure: false,
    } as const;
    const { result, handle } = await withWorker(env, fakes.activities, async (q) => {
      const handle = await env.client.workflow.start('pipelineWorkflow', {
        taskQueue: q,
        workflowId,
        args: [{ scheduled: { schedule: 'nightly', spec } }],
        workflowExecutionTimeout: '2 minutes',
      });
      return { result: (await handle.result()) as RunProgress, handle };
    });
    expect(fakes.inputsOf('resolveRun')).toEqual([{ project: 'iris', params: { epochs: 3 }, run_policy: {}, cache: true }]);
    expect(fakes.inputsOf('prepareRunQuickly')[0]).toMatchObject({ runId: workflowId, workflowId, trigger: { kind: 'schedule', schedule: 'nightly' } });
    expect(result).toMatchObject({ runId: workflowId, status: 'succeeded', trigger: 'schedule', schedule: 'nightly', project: base.project.name });
    await expect(Worker.runReplayHistory(replayOptions(env.bundle), await handle.fetchHistory(), workflowId)).resolves.toBeUndefined();
  });

  it('a schedule whose project is gone fails the run at once with the reason', async () => {
    const fakes = fakeActivities({
      async resolveRun() {
        const { SpecValidationError } = await import('../../core/errors.js');
        throw new SpecValidationError([{ path: 'project', message: 'project "gone" is not registered' }]);
      },
    });
    const error = await withWorker(env, fakes.activities, async (q) => {
      const handle = await env.client.workflow.start('pipelineWorkflow', {
        taskQueue: q,
        workflowId: `sched-gone-${Date.now()}`,
        args: [{ scheduled: { schedule: 'gone', spec: { name: 'gone', project: 'gone', every: '1h' } } }],
      });
      return handle.result().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    });
    expect((error?.cause as Error | undefined)?.message).toMatch(/^schedule gone: cannot start a run of gone: project: project "gone" is not registered/);
    expect(fakes.inputsOf('resolveRun')).toHaveLength(1);
    expect(fakes.names()).not.toContain('prepareRun');
    expect(fakes.names()).not.toContain('prepareRunQuickly');
  });
});
