import { Context } from '@temporalio/activity';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { KilnActivities } from '../../../activities/index.js';
import type { StageInput } from '../../../activities/stages.js';
import { ExperimentSpec, type ExperimentSpecInput } from '../../../core/specs/experiment.js';
import { experimentQuery, extendExperimentUpdate, stopExperimentSignal, trialCurveSignal } from '../../../workflows/experiment-signals.js';
import type { ExperimentInput } from '../../../workflows/experiment-state.js';
import { blockUntil, deferred, fakeActivities, pipelineInput, stageResult, type TemporalEnv } from '../workflow-harness.js';
import { heartbeatUntilCancelled } from './pipeline-scenarios.js';
import { until, type History, type Scenario, type ScenarioRun } from './scenario.js';

type SpecOverrides = Partial<ExperimentSpecInput>;

function experimentInput(id: string, spec: SpecOverrides, extra: Partial<ExperimentInput> = {}): ExperimentInput {
  const { runId: _runId, ...base } = pipelineInput();
  return {
    experimentId: `exp-${id}`,
    spec: ExperimentSpec.parse({
      name: id,
      project: base.project.name,
      objective: { metric: 'accuracy', goal: 'maximize' },
      parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2, 3] }],
      algorithm: { name: 'grid' },
      parallel_trial_count: 2,
      max_trial_count: 3,
      ...spec,
    }),
    base: { ...base, params: { ...base.params, extras: { ...base.params.extras, x: 0 } } },
    ...extra,
  };
}

const xOf = (stage: StageInput) => Number(stage.params.extras.x);

/** What a trial's stage pushes to its experiment (activities/trial-curve-reporter.ts), sent through the worker's client. */
async function pushCurve(stage: StageInput, points: { step: number; value: number }[]): Promise<void> {
  const target = stage.reportCurve;
  if (!target) throw new Error(`${stage.runId}: the experiment did not ask this stage for its curve`);
  await Context.current().client.workflow.getHandle(target.experimentId).signal(trialCurveSignal, { index: target.trialIndex, stage: stage.stage, points });
}

/** Stages that succeed at once; evaluate reports accuracy = extras.x / 10. */
function trialStages(train: (stage: StageInput) => Promise<void> = async () => {}, others: Partial<KilnActivities> = {}) {
  return fakeActivities({
    ...others,
    async runStage(stage: StageInput) {
      if (stage.stage === 'train') await train(stage);
      const result = stageResult(stage, 1);
      return stage.stage === 'evaluate' ? { ...result, metrics: { accuracy: xOf(stage) / 10 } } : result;
    },
  }).activities;
}

function startExperiment(env: TemporalEnv, taskQueue: string, input: ExperimentInput): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return env.client.workflow.start('experimentWorkflow', { taskQueue, workflowId: input.experimentId, args: [input], workflowExecutionTimeout: '2 minutes' });
}

/**
 * Trials whose train stage first waits for `ready`; then the lagging one pushes 0.1 at step 1
 * and trains until cancelled, while the run record says 0.5 at step 1 for every other trial.
 */
function laggingTrialStages(lagging: { x: number; index: number }, ready: (stage: StageInput) => Promise<void> = async () => {}) {
  return trialStages(
    async (stage) => {
      await ready(stage);
      if (xOf(stage) !== lagging.x) return;
      await pushCurve(stage, [{ step: 1, value: 0.1 }]);
      await heartbeatUntilCancelled();
    },
    {
      async trialCurves({ runIds }) {
        return Object.fromEntries(runIds.map((id) => [id, [{ step: 1, value: id.endsWith(`-trial-${lagging.index}`) ? 0.1 : 0.5 }]]));
      },
    },
  );
}

/**
 * Trials train until cancelled (but the one with x = `quickX` ends at once); once two train
 * (in a run after the first, with `inLaterRun`), the experiment is asked to stop.
 */
function stopOnceTraining(
  env: TemporalEnv,
  input: ExperimentInput,
  { quickX, inLaterRun = false }: { quickX?: number; inLaterRun?: boolean } = {},
): ScenarioRun {
  let training = 0;
  const activities = trialStages(async (stage) => {
    if (xOf(stage) === quickX) return;
    training += 1;
    await heartbeatUntilCancelled();
  });
  return {
    activities,
    start: (q) => startExperiment(env, q, input),
    drive: async (handle) => {
      await until('two trials training', async () => training === 2 && (!inLaterRun || (await continuedAsNew(handle))));
      await handle.signal(stopExperimentSignal);
    },
  };
}

/** Whether the run that `handle` started has continued as new (its workflow id has a later run). */
async function continuedAsNew(handle: WorkflowHandle): Promise<boolean> {
  return (await handle.describe()).runId !== (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId;
}

const historyOf = (env: TemporalEnv, workflowId: string, runId?: string): Promise<History> => env.client.workflow.getHandle(workflowId, runId).fetchHistory();

/** An experiment whose trials run at once and which ends by itself. */
const plain = (name: string, spec: SpecOverrides, more?: (env: TemporalEnv, input: ExperimentInput) => Promise<Record<string, History>>): Scenario => ({
  name,
  setup: (env) => {
    const input = experimentInput(name.replace(/^experiment-/, ''), spec);
    return { activities: trialStages(), start: (q) => startExperiment(env, q, input), ...(more ? { more: () => more(env, input) } : {}) };
  },
});

const double = { name: 'extras.x', type: 'double', min: 0, max: 10 } as const;

/** Each search algorithm, median stopping, continue-as-new, stop and extend. */
export const experimentScenarios: Scenario[] = [
  // The grid experiment's first trial is also the corpus's pipeline run as a trial.
  plain('experiment-grid', {}, async (env, input) => ({ 'pipeline-trial': await historyOf(env, `${input.experimentId}-trial-0`) })),
  plain('experiment-random', { parameters: [double], algorithm: { name: 'random' }, parallel_trial_count: 3 }),
  plain('experiment-tpe', { parameters: [double], algorithm: { name: 'tpe', settings: { n_startup: 2 } }, max_trial_count: 4 }),
  // R = 3, eta = 3: a bracket of 3 trials at 1 epoch whose best gets 3 epochs, then 2 trials at 3 epochs.
  plain('experiment-hyperband', {
    parameters: [double, { name: 'epochs', type: 'int', min: 1, max: 3 }],
    algorithm: { name: 'hyperband', settings: { resource_parameter: 'epochs', eta: 3 } },
    parallel_trial_count: 3,
    max_trial_count: 6,
  }),
  {
    name: 'experiment-median-stop',
    setup: (env) => {
      // Trial 0 (x = 5) completes; trial 1 (x = 1) pushes 0.1 at step 1, below trial 0's 0.5, and is stopped.
      const input = experimentInput('median-stop', {
        parameters: [{ name: 'extras.x', type: 'discrete', values: [5, 1] }],
        parallel_trial_count: 1,
        max_trial_count: 2,
        early_stopping: { algorithm: 'medianstop', min_trials_required: 1, start_step: 1 },
      });
      const activities = laggingTrialStages({ x: 1, index: 1 });
      return {
        activities,
        start: (q) => startExperiment(env, q, input),
        more: async () => ({ 'pipeline-trial-early-stopped': await historyOf(env, `${input.experimentId}-trial-1`) }),
      };
    },
  },
  {
    // Continues as new after each ended trial while the others run: the next run adopts them.
    // Trial 2 (x = 1) is stopped by the median rule in the second run, which continues as new
    // while it stops; the last run records it early stopped.
    name: 'experiment-adopted-trial-ends',
    setup: (env) => {
      const input = experimentInput(
        'adopting',
        {
          parameters: [{ name: 'extras.x', type: 'discrete', values: [5, 4, 1] }],
          parallel_trial_count: 3,
          max_trial_count: 3,
          early_stopping: { algorithm: 'medianstop', min_trials_required: 1, start_step: 1 },
        },
        { continueAsNewAfterTrials: 1 },
      );
      const firstEnded = deferred();
      const activities = laggingTrialStages({ x: 1, index: 2 }, (stage) => (xOf(stage) === 5 ? Promise.resolve() : firstEnded.promise));
      return {
        activities,
        start: (q) => startExperiment(env, q, input),
        drive: async (handle) => {
          // Trial 0 (x = 5) ends at once; trials 1 and 2 go on once the first run has continued as new.
          await until('the experiment continued as new', () => continuedAsNew(handle));
          firstEnded.resolve();
        },
        more: async (handle) => {
          const first = await historyOf(env, input.experimentId, handle.firstExecutionRunId);
          const second = first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
          if (!second) throw new Error('the first run did not continue as new');
          return { 'experiment-continue-as-new-with-trials-running': first, 'experiment-adopting-trials': await historyOf(env, input.experimentId, second) };
        },
      };
    },
  },
  {
    // Stopped after continuing as new: the trials it adopted are not its children, so it cancels them by id.
    name: 'experiment-stopped-after-continue-as-new',
    setup: (env) => {
      const input = experimentInput(
        'stop-adopted',
        { parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2, 3] }], parallel_trial_count: 3, max_trial_count: 3 },
        { continueAsNewAfterTrials: 1 },
      );
      return stopOnceTraining(env, input, { quickX: 1, inLaterRun: true });
    },
  },
  {
    // The main file is the last run (it starts from the carried state); the first run ends by continuing as new.
    name: 'experiment-after-continue-as-new',
    setup: (env) => {
      const input = experimentInput(
        'continue',
        { parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2, 3, 4] }], parallel_trial_count: 1, max_trial_count: 4 },
        { continueAsNewAfterTrials: 2 },
      );
      return {
        activities: trialStages(),
        start: (q) => startExperiment(env, q, input),
        more: async (handle) => ({ 'experiment-continue-as-new': await historyOf(env, input.experimentId, handle.firstExecutionRunId) }),
      };
    },
  },
  {
    name: 'experiment-stopped',
    setup: (env) => {
      const input = experimentInput('stop', { parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2, 3, 4] }], max_trial_count: 4 });
      return stopOnceTraining(env, input);
    },
  },
  {
    name: 'experiment-extended',
    setup: (env) => {
      const input = experimentInput('extend', { parallel_trial_count: 1, max_trial_count: 2 });
      const training = deferred();
      const extended = deferred();
      const activities = trialStages(async () => {
        training.resolve();
        await blockUntil(extended.promise);
      });
      return {
        activities,
        start: (q) => startExperiment(env, q, input),
        drive: async (handle) => {
          await training.promise;
          await handle.executeUpdate(extendExperimentUpdate, { args: [{ maxTrialCount: 3 }] });
          await until('the extension is visible', async () => (await handle.query(experimentQuery)).maxTrialCount === 3);
          extended.resolve();
        },
      };
    },
  },
];
