/**
 * The experiment workflow's logic on the real dev server, with test-double activities: trials
 * are real pipeline child workflows whose stages are fakes reporting accuracy = extras.x / 10.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StageInput } from '../../activities/stages.js';
import { ExperimentSpec } from '../../core/specs/experiment.js';
import { workflowStartInput } from '../../core/temporal/workflow-start-input.js';
import type { ExperimentInput, ExperimentView } from '../../workflows/experiment-state.js';
import { fakeActivities, pipelineInput, stageResult, withWorker, useTemporalEnv } from './workflow-harness.js';

const env = useTemporalEnv();

const activities = () =>
  fakeActivities({
    async runStage(input: StageInput) {
      const result = stageResult(input, 1);
      return input.stage === 'evaluate' ? { ...result, metrics: { accuracy: Number(input.params.extras.x) / 10 } } : result;
    },
  });

function experimentInput(overrides: Partial<ExperimentInput> = {}): ExperimentInput {
  const base = pipelineInput();
  const { runId: _runId, ...rest } = base;
  return {
    experimentId: `exp-wf-${randomUUID().slice(0, 8)}`,
    spec: ExperimentSpec.parse({
      name: 'wf',
      project: base.project.name,
      objective: { metric: 'accuracy', goal: 'maximize' },
      parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2, 3, 4, 5] }],
      algorithm: { name: 'grid' },
      parallel_trial_count: 2,
      max_trial_count: 5,
    }),
    base: { ...rest, params: { ...base.params, extras: { ...base.params.extras, x: 0 } } },
    ...overrides,
  };
}

describe('experiment workflow', () => {
  it('continues as new between trials without losing any of them', async () => {
    const input = experimentInput({ continueAsNewAfterTrials: 2 });
    const view = (await withWorker(env, activities().activities, (taskQueue) =>
      env.client.workflow.execute('experimentWorkflow', { taskQueue, workflowId: input.experimentId, args: [input] }),
    )) as ExperimentView;
    expect(view.status).toBe('succeeded');
    expect(view.trials.map((t) => [t.index, t.assignment['extras.x'], t.status, t.objective])).toEqual([
      [0, 1, 'succeeded', 0.1],
      [1, 2, 'succeeded', 0.2],
      [2, 3, 'succeeded', 0.3],
      [3, 4, 'succeeded', 0.4],
      [4, 5, 'succeeded', 0.5],
    ]);
    expect(view.best?.index).toBe(4);
    // Several runs of one workflow id, each continued as new with the whole state. After 2
    // trials have ended a run continues as new at once, handing its running trial to the next
    // run, which adopts it. Visibility is eventually consistent: allow it a moment.
    const runsOf = async () => {
      const runs = [];
      for await (const run of env.client.workflow.list({ query: `WorkflowId = '${input.experimentId}'` })) runs.push(run);
      return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    };
    let runs = await runsOf();
    for (const deadline = Date.now() + 10_000; runs.length < 3 && Date.now() < deadline; runs = await runsOf()) await new Promise((r) => setTimeout(r, 200));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const second = await workflowStartInput<ExperimentInput>(env.client, input.experimentId, runs[1]!.runId);
    expect(second?.state?.trials.filter((t) => t.status === 'running').length).toBeGreaterThan(0);
  });

  it('never has more trials running than parallel_trial_count', async () => {
    let running = 0;
    let most = 0;
    const input = experimentInput();
    const fakes = fakeActivities({
      async runStage(stage: StageInput) {
        if (stage.stage === 'evaluate') return { ...stageResult(stage, 1), metrics: { accuracy: Number(stage.params.extras.x) / 10 } };
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 200));
        running -= 1;
        return stageResult(stage, 1);
      },
    });
    const view = (await withWorker(env, fakes.activities, (taskQueue) =>
      env.client.workflow.execute('experimentWorkflow', { taskQueue, workflowId: input.experimentId, args: [input] }),
    )) as ExperimentView;
    expect(view.trials).toHaveLength(5);
    expect(most).toBe(2);
  });
});
