import type { ExperimentSpecInput } from '../../core/specs/experiment.js';
// Tuning experiments end to end on the real stack: the experiment workflow, trials as pipeline
// child workflows running real processes (examples/tuning-curves), the API.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnApiClient, KilnApiError } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { ExperimentView } from '../../workflows/experiment-state.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';

const example = join(__dirname, '..', '..', 'examples', 'tuning-curves');
let stack: EmbeddedStack;
let client: KilnApiClient;

beforeAll(async () => {
  ({ stack, client } = await startTestStack('experiments'));
  await applySpecFile(client, readSpecFile(join(example, 'kiln.json')));
});
afterAll(async () => stack?.stop());

const experiment = (overrides: Partial<ExperimentSpecInput>): ExperimentSpecInput => ({
  name: 'curves',
  project: 'curves',
  objective: { metric: 'accuracy', goal: 'maximize' as const },
  parameters: [{ name: 'extras.quality', type: 'discrete', values: [0.9, 0.8, 0.7, 0.2, 0.1] }],
  algorithm: { name: 'grid' },
  parallel_trial_count: 1,
  max_trial_count: 5,
  ...overrides,
});

async function until(id: string, done: (view: ExperimentView) => boolean, timeoutMs = 150_000): Promise<ExperimentView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await client.getExperiment(id);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`experiment ${id} did not get there: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
const ended = (view: ExperimentView) => view.status !== 'running';

// Trials are real processes: under a full test run on two cores an experiment can take minutes.
describe('tuning experiments', { timeout: 300_000 }, () => {
  it('never runs more than parallel_trial_count trials at once, and records every trial', async () => {
    const { experiment_id } = await client.createExperiment(
      experiment({
        name: 'parallel',
        parameters: [{ name: 'extras.quality', type: 'discrete', values: [0.5, 0.6, 0.7, 0.8] }],
        parallel_trial_count: 2,
        max_trial_count: 4,
      }),
    );
    const view = await until(experiment_id, ended);
    expect(view.status).toBe('succeeded');
    expect(view.trials.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    // Observed from the trials' own run records: start and end times of their pipeline runs.
    const spans = await Promise.all(
      view.trials.map(async (t) => {
        const run = await stack.backends.metadata.runs.getRun(t.runId);
        return [run!.createdAt, run!.finishedAt!] as const;
      }),
    );
    const overlapAt = (time: number) => spans.filter(([start, end]) => start <= time && time < end).length;
    const most = Math.max(...spans.map(([start]) => overlapAt(start)));
    expect(most).toBe(2);
    expect(view.best?.assignment).toEqual({ 'extras.quality': 0.8 });
    expect(view.best?.objective).toBeCloseTo(0.8 * (1 - Math.exp(-0.5 * 8)), 6);

    // Handing the best trial on: its stages are reused, the gate passes, its model is registered.
    const promoted = await client.promoteBestTrial(experiment_id);
    expect(promoted).toMatchObject({ trial: view.best!.index, reused_stages: ['train', 'evaluate'] });
    const run = await waitForRun(client, promoted.run_id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.filter((s) => s.status === 'cached').map((s) => s.step)).toEqual(['train', 'evaluate']);
    expect(run.modelVersion).toBe(1);
    expect(run.params).toMatchObject({ extras: { quality: 0.8 } });
  });

  it('median stopping stops the clearly worse trials and none of the best', async () => {
    const { experiment_id } = await client.createExperiment(
      experiment({
        name: 'medianstop',
        early_stopping: { algorithm: 'medianstop', min_trials_required: 3, start_step: 2 },
        parameters: [
          { name: 'extras.quality', type: 'discrete', values: [0.9, 0.8, 0.7, 0.2, 0.1] },
          { name: 'extras.steps', type: 'discrete', values: [16] },
          { name: 'extras.step_seconds', type: 'discrete', values: [0.4] },
        ],
      }),
    );
    const view = await until(experiment_id, ended, 240_000);
    expect(view.status).toBe('succeeded');
    expect(view.trials.map((t) => [t.assignment['extras.quality'], t.status])).toEqual([
      [0.9, 'succeeded'],
      [0.8, 'succeeded'],
      [0.7, 'succeeded'],
      [0.2, 'early_stopped'],
      [0.1, 'early_stopped'],
    ]);
    expect(view.trials[3]?.reason).toMatch(/^early stopped: accuracy [\d.]+ at step \d+ is below the median [\d.]+ of 3 completed trials/);
    // The stopped trial's process was killed: its run is cancelled, long before 16 steps.
    const stopped = await client.getRun(view.trials[3]!.runId);
    expect(stopped.status).toBe('cancelled');
  });

  it('max_failed_trial_count ends the experiment as failed', async () => {
    const { experiment_id } = await client.createExperiment(
      experiment({
        name: 'failing',
        parameters: [
          { name: 'extras.quality', type: 'discrete', values: [0.1, 0.2, 0.3, 0.4] },
          { name: 'extras.fail_below', type: 'discrete', values: [0.6] },
        ],
        max_failed_trial_count: 1,
      }),
    );
    const view = await until(experiment_id, ended);
    expect(view.status).toBe('failed');
    expect(view.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(view.message).toBe('2 trials failed, more than max_failed_trial_count=1');
    expect(view.trials[0]?.reason).toMatch(/quality 0.1 is below fail_below 0.6/);
  });

  it('reaching the objective target ends the experiment early as succeeded', async () => {
    const { experiment_id } = await client.createExperiment(
      experiment({
        name: 'target',
        objective: { metric: 'accuracy', goal: 'maximize', target: 0.75 },
        parameters: [{ name: 'extras.quality', type: 'discrete', values: [0.5, 0.9, 0.3, 0.2] }],
        max_trial_count: 4,
      }),
    );
    const view = await until(experiment_id, ended);
    expect(view.status).toBe('succeeded');
    expect(view.trials).toHaveLength(2);
    expect(view.message).toBe('objective target 0.75 reached');
  });

  it('a finished experiment can be extended, and a running one stopped', async () => {
    const { experiment_id } = await client.createExperiment(experiment({ name: 'extend', max_trial_count: 1 }));
    expect((await until(experiment_id, ended)).trials).toHaveLength(1);
    await client.extendExperiment(experiment_id, 2);
    const extended = await until(experiment_id, (v) => ended(v) && v.trials.length === 2);
    expect(extended.trials.map((t) => t.assignment['extras.quality'])).toEqual([0.9, 0.8]);

    const long = await client.createExperiment(experiment({ name: 'stop', parameters: [{ name: 'extras.steps', type: 'discrete', values: [200] }] }));
    await until(long.experiment_id, (v) => v.trials.length === 1);
    await client.stopExperiment(long.experiment_id);
    const stopped = await until(long.experiment_id, ended, 60_000);
    expect(stopped.status).toBe('stopped');
    expect(stopped.trials.map((t) => t.status)).toEqual(['cancelled']);
  });

  it('lists experiments newest first, by project, only to callers who may read their project', async () => {
    const { experiment_id } = await client.createExperiment(experiment({ name: 'listed', max_trial_count: 1 }));
    const listed = async (query: Parameters<KilnApiClient['listExperiments']>[0]) => (await client.listExperiments(query)).map((e) => e.experiment_id);
    await expect.poll(() => listed({}), { timeout: 30_000 }).toContain(experiment_id);
    const [newest] = await client.listExperiments({ limit: 1 });
    expect(newest).toMatchObject({ experiment_id, project: 'curves' });
    expect(['running', 'completed']).toContain(newest!.state);
    expect(await listed({ project: 'curves' })).toContain(experiment_id);
    expect(await listed({ project: 'elsewhere' })).toEqual([]);
    // A viewer bound to another project sees none of them; one bound to this project sees them.
    for (const [name, project, sees] of [
      ['olga', 'elsewhere', false],
      ['cora', 'curves', true],
    ] as const) {
      await client.addPrincipal('user', { name });
      await client.addBinding({ principal: `user:${name}`, role: 'viewer', scope: { projects: [project] } });
      const { token } = await client.createToken({ name: 'list', owner: `user:${name}` });
      const theirs = (await new KilnApiClient(client.baseUrl, { token }).listExperiments()).map((e) => e.experiment_id);
      expect(theirs.includes(experiment_id)).toBe(sees);
    }
    const refused = await client.listExperiments({ project: "x' OR '1'='1" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KilnApiError);
    expect((refused as KilnApiError).status).toBe(400);
    expect((refused as KilnApiError).fields.map((f) => f.path)).toEqual(['project']);
  });

  it('refuses an invalid spec with field-named errors and starts nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ parameters: [{ name: 'extras.quality', type: 'double', min: 0.9, max: 0.1 }] }, 'parameters[0].max'],
      [{ algorithm: { name: 'annealing' } }, 'algorithm.name'],
      [{ parallel_trial_count: 6, max_trial_count: 5 }, 'parallel_trial_count'],
      // An extra the project does not declare: caught against the project, before any trial.
      [{ parameters: [{ name: 'extras.momentum', type: 'double', min: 0.1, max: 0.9 }], algorithm: { name: 'random' } }, 'parameters[0].name'],
      [{ parameters: [{ name: 'learning_rate', type: 'double', min: 0, max: 1, log: true }], algorithm: { name: 'random' } }, 'parameters[0].min'],
    ];
    const count = async () => (await stack.client.workflow.count(`KilnKind = 'experiment' AND KilnProject = 'curves'`)).count;
    const before = await count();
    for (const [overrides, path] of cases) {
      const error = await client.createExperiment(experiment(overrides)).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(KilnApiError);
      expect((error as KilnApiError).fields.map((f) => f.path)).toContain(path);
    }
    expect(await count()).toBe(before);
  });
});
