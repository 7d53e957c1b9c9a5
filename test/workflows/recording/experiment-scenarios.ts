import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { KilnActivities } from '../../../activities/index.js';
import type { StageInput } from '../../../activities/stages.js';
import { ExperimentSpec, type ExperimentSpecInput } from '../../../core/specs/experiment.js';
import { experimentQuery, extendExperimentUpdate, stopExperimentSignal } from '../../../workflows/experiment-signals.js';
import type { ExperimentInput } from '../../../workflows/experiment-state.js';
import { blockUntil, deferred, fakeActivities, pipelineInput, stageResult, type TemporalEnv } from '../workflow-harness.js';
import { heartbeatUntilCancelled } from './pipeline-scenarios.js';
import { until, type History, type Scenario } from './scenario.js';

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
      // Trial 0 (x = 5) completes; trial 1 (x = 1) reports 0.1 at step 1, below trial 0's 0.5, and is stopped.
      const input = experimentInput('median-stop', {
        parameters: [{ name: 'extras.x', type: 'discrete', values: [5, 1] }],
        parallel_trial_count: 1,
        max_trial_count: 2,
        early_stopping: { algorithm: 'medianstop', min_trials_required: 1, start_step: 1 },
      });
      const activities = trialStages(
        async (stage) => {
          if (xOf(stage) === 1) await heartbeatUntilCancelled();
        },
        {
          async trialCurves({ runIds }) {
            return Object.fromEntries(runIds.map((id) => [id, [{ step: 1, value: id.endsWith('-trial-0') ? 0.5 : 0.1 }]]));
          },
        },
      );
      return {
        activities,
        start: (q) => startExperiment(env, q, input),
        more: async () => ({ 'pipeline-trial-early-stopped': await historyOf(env, `${input.experimentId}-trial-1`) }),
      };
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
      let training = 0;
      const activities = trialStages(async () => {
        training += 1;
        await heartbeatUntilCancelled();
      });
      return {
        activities,
        start: (q) => startExperiment(env, q, input),
        drive: async (handle) => {
          await until('two trials training', async () => training === 2);
          await handle.signal(stopExperimentSignal);
        },
      };
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
