/**
 * Experiments started since TRIAL_CURVE_EVENTS_PATCH, on the real dev server: trial stages push
 * their curves through the real reporter (activities/trial-curve-reporter.ts) instead of the
 * experiment polling, the experiment continues as new while trials run and adopts them, and a
 * trial's history cost stays bounded however much it logs.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { StageInput } from '../../activities/stages.js';
import { trialCurveReporter } from '../../activities/trial-curve-reporter.js';
import { ExperimentSpec, type ExperimentSpecInput } from '../../core/specs/experiment.js';
import { stopExperimentSignal } from '../../workflows/experiment-signals.js';
import type { ExperimentInput, ExperimentView } from '../../workflows/experiment-state.js';
import { heartbeatUntilCancelled } from './recording/pipeline-scenarios.js';
import { until, type History } from './recording/scenario.js';
import { fakeActivities, pipelineInput, stageResult, useTemporalEnv, withWorker } from './workflow-harness.js';

const env = useTemporalEnv();

function experimentInput(spec: Partial<ExperimentSpecInput>, extra: Partial<ExperimentInput> = {}): ExperimentInput {
  const { runId: _runId, ...base } = pipelineInput();
  return {
    experimentId: `exp-ev-${randomUUID().slice(0, 8)}`,
    spec: ExperimentSpec.parse({
      name: 'events',
      project: base.project.name,
      objective: { metric: 'accuracy', goal: 'maximize' },
      parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2, 3] }],
      algorithm: { name: 'grid' },
      parallel_trial_count: 3,
      max_trial_count: 3,
      ...spec,
    }),
    base: { ...base, params: { ...base.params, extras: { ...base.params.extras, x: 0 } } },
    ...extra,
  };
}

const xOf = (stage: StageInput) => Number(stage.params.extras.x);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real reporter, sending through the worker's own client, as runStage does. */
function reporterFor(stage: StageInput) {
  if (!stage.reportCurve) throw new Error(`${stage.runId}: the experiment did not ask for the curve`);
  const ctx = Context.current();
  return trialCurveReporter(ctx.client, stage.reportCurve, stage.stage, ctx.info.workflowExecution!.workflowId);
}

/** Fake stages: train runs `train`; evaluate reports accuracy = x / 10. */
function stages(train: (stage: StageInput) => Promise<void>, logged = new Map<string, { step: number; value: number }[]>()) {
  return fakeActivities({
    async runStage(stage: StageInput) {
      if (stage.stage === 'train') await train(stage);
      const result = stageResult(stage, 1);
      return stage.stage === 'evaluate' ? { ...result, metrics: { accuracy: xOf(stage) / 10 } } : result;
    },
    // The run record: what each trial's train stage logged.
    async trialCurves({ runIds }) {
      return Object.fromEntries(runIds.map((id) => [id, logged.get(id) ?? []]));
    },
  });
}

/** Every run of the workflow id, oldest first (visibility is eventually consistent: waits for `atLeast`). */
async function historiesOf(workflowId: string, atLeast = 1): Promise<History[]> {
  const list = async () => {
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
    return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  };
  let runs = await list();
  for (const deadline = Date.now() + 10_000; runs.length < atLeast && Date.now() < deadline; runs = await list()) await sleep(200);
  return Promise.all(runs.map((run) => env.client.workflow.getHandle(workflowId, run.runId).fetchHistory()));
}

const eventsOf = (histories: History[], type?: string) =>
  histories.flatMap((h) => h.events ?? []).filter((e) => type === undefined || Object.keys(e).some((k) => k === type)).length;

async function runExperiment(input: ExperimentInput, activities: object, drive?: (handle: WorkflowHandle) => Promise<void>): Promise<ExperimentView> {
  return withWorker(env, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start('experimentWorkflow', {
      taskQueue,
      workflowId: input.experimentId,
      args: [input],
      workflowExecutionTimeout: '2 minutes',
    });
    await drive?.(handle);
    return (await handle.result()) as ExperimentView;
  });
}

describe('event-driven experiments', () => {
  it('a stage pushes its curve and the median rule stops the trial on it, without polling', async () => {
    // Trial 0 (x = 5) logs 0.5 at steps 1-5 and completes; trial 1 (x = 1) logs 0.1 and is stopped.
    const logged = new Map<string, { step: number; value: number }[]>();
    const fakes = stages(async (stage) => {
      const value = xOf(stage) / 10;
      const points = [1, 2, 3].map((step) => ({ step, value }));
      logged.set(stage.runId, points);
      const reporter = reporterFor(stage);
      for (const { step } of points) reporter.observe({ name: 'accuracy', value, step });
      reporter.observe({ name: 'loss', value: 1, step: 1 });
      reporter.tick();
      if (xOf(stage) === 1) await heartbeatUntilCancelled();
      await reporter.finish();
    }, logged);
    const input = experimentInput({
      parameters: [{ name: 'extras.x', type: 'discrete', values: [5, 1] }],
      parallel_trial_count: 1,
      max_trial_count: 2,
      early_stopping: { algorithm: 'medianstop', min_trials_required: 1, start_step: 1 },
    });
    const view = await runExperiment(input, fakes.activities);
    expect(view.trials.map((t) => [t.status, t.objective])).toEqual([
      ['succeeded', 0.5],
      ['early_stopped', 0.1],
    ]);
    expect(view.trials[1]?.reason).toBe('early stopped: accuracy 0.1 at step 3 is below the median 0.5 of 1 completed trials');
    // The run record is read once, for the completed trial's whole curve; nothing waits on a timer.
    expect(fakes.inputsOf('trialCurves')).toEqual([{ runIds: [`${input.experimentId}-trial-0`], metric: 'accuracy' }]);
    const histories = await historiesOf(input.experimentId);
    expect(eventsOf(histories, 'timerStartedEventAttributes')).toBe(0);
    expect(eventsOf(histories, 'workflowExecutionSignaledEventAttributes')).toBeGreaterThanOrEqual(1);
  });

  it('history events per trial stay bounded however many points a trial logs', async () => {
    // Three trials log `points` values of the objective over 3 s each, ticking like runStage's heartbeat.
    const experimentWith = async (points: number) => {
      const fakes = stages(async (stage) => {
        const reporter = reporterFor(stage);
        for (let step = 0; step < points; step += 1) {
          reporter.observe({ name: 'accuracy', value: step / points, step });
          if (step % Math.ceil(points / 30) === 0) {
            reporter.tick();
            await sleep(100);
          }
        }
        await reporter.finish();
      });
      // The median rule never has enough completed trials: every trial runs to the end.
      const input = experimentInput({ early_stopping: { algorithm: 'medianstop', min_trials_required: 10, start_step: 1 } });
      const view = await runExperiment(input, fakes.activities);
      expect(view.trials.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const histories = await historiesOf(input.experimentId);
      return { events: eventsOf(histories), signals: eventsOf(histories, 'workflowExecutionSignaledEventAttributes') };
    };
    const few = await experimentWith(30);
    const many = await experimentWith(30_000);
    // 3 s of training: a report at once, one 2 s later, and the final one, at most, per trial.
    expect(many.signals).toBeLessThanOrEqual(3 * 3);
    expect(many.signals - few.signals).toBeLessThanOrEqual(3);
    expect(many.events / 3).toBeLessThanOrEqual(30);
  });

  it('continues as new while trials run; stopping then cancels the trials it adopted', async () => {
    let training = 0;
    const fakes = stages(async (stage) => {
      if (xOf(stage) === 1) return;
      training += 1;
      await heartbeatUntilCancelled();
    });
    const input = experimentInput({}, { continueAsNewAfterTrials: 1 });
    const view = await runExperiment(input, fakes.activities, async (handle) => {
      const first = (await handle.describe()).runId;
      await until('two trials training in a later run', async () => training === 2 && (await handle.describe()).runId !== first);
      await handle.signal(stopExperimentSignal);
    });
    expect(view.status).toBe('stopped');
    expect(view.trials.map((t) => t.status)).toEqual(['succeeded', 'cancelled', 'cancelled']);
    for (const trial of view.trials.slice(1)) expect((await env.client.workflow.getHandle(trial.runId).describe()).status.name).toBe('CANCELLED');
    const histories = await historiesOf(input.experimentId, 2);
    expect(eventsOf(histories, 'workflowExecutionContinuedAsNewEventAttributes')).toBeGreaterThanOrEqual(1);
    expect(eventsOf(histories, 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes')).toBe(2);
  });

  it('a trial whose experiment was terminated cancels itself at its next report', async () => {
    let reporting = false;
    const fakes = stages(async (stage) => {
      const reporter = reporterFor(stage);
      const ctx = Context.current();
      for (let step = 0; !ctx.cancellationSignal.aborted; step += 1) {
        reporter.observe({ name: 'accuracy', value: 0.5, step });
        reporter.tick();
        reporting = true;
        ctx.heartbeat();
        await sleep(100);
      }
      throw ctx.cancellationSignal.reason;
    });
    const input = experimentInput({
      parameters: [{ name: 'extras.x', type: 'discrete', values: [1] }],
      parallel_trial_count: 1,
      max_trial_count: 1,
      early_stopping: { algorithm: 'medianstop', min_trials_required: 1, start_step: 1 },
    });
    await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('experimentWorkflow', { taskQueue, workflowId: input.experimentId, args: [input] });
      await until('the trial reports its curve', async () => reporting);
      await handle.terminate('test: an operator terminates the experiment');
      const trial = env.client.workflow.getHandle(`${input.experimentId}-trial-0`);
      await until('the orphaned trial cancelled itself', async () => (await trial.describe()).status.name === 'CANCELLED');
    });
  });
});
