import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import type { KilnConfig } from '../../core/config.js';
import type { ExperimentView } from '../../workflows/experiment-state.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import { startApiOnly, WorkerProcess } from './chaos-support.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  ({ stack, client, config } = await startApiOnly('experiment-loss', { specFile: join(__dirname, '..', '..', 'examples', 'tuning-curves', 'kiln.json') }));
  worker = await WorkerProcess.start(config);
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await stack?.stop();
});

describe('a worker SIGKILLed in the middle of a tuning experiment', () => {
  it('loses no completed trial, and a new worker finishes the experiment', async () => {
    const { experiment_id } = await client.createExperiment({
      name: 'survives',
      project: 'curves',
      objective: { metric: 'accuracy', goal: 'maximize' },
      parameters: [
        { name: 'extras.quality', type: 'discrete', values: [0.9, 0.8, 0.7] },
        { name: 'extras.steps', type: 'discrete', values: [6] },
        { name: 'extras.step_seconds', type: 'discrete', values: [0.4] },
      ],
      algorithm: { name: 'grid' },
      parallel_trial_count: 1,
      max_trial_count: 3,
    });
    let before: ExperimentView | undefined;
    const midway = await eventually(
      async () => {
        before = await client.getExperiment(experiment_id);
        return before.trials.some((t) => t.status === 'succeeded') && before.trials.some((t) => t.status === 'running');
      },
      120_000,
      200,
    );
    expect(midway).toBe(true);
    worker!.child.kill('SIGKILL');
    await worker!.exited;
    worker = await WorkerProcess.start(config);

    let view: ExperimentView | undefined;
    const finished = await eventually(async () => (view = await client.getExperiment(experiment_id)).status !== 'running', 240_000, 300);
    if (!finished) {
      // What is stuck, for whoever reads the failure: the trials, their runs' steps, the worker's last words.
      const runs = await Promise.all(view!.trials.filter((t) => t.status === 'running').map((t) => client.getRun(t.runId).catch((e: unknown) => String(e))));
      console.error('experiment stuck:', JSON.stringify(view, null, 1), JSON.stringify(runs, null, 1), worker!.output.join('').slice(-4000));
    }
    expect(finished).toBe(true);
    expect(view!.status).toBe('succeeded');
    expect(view!.trials.map((t) => [t.index, t.assignment['extras.quality'], t.status])).toEqual([
      [0, 0.9, 'succeeded'],
      [1, 0.8, 'succeeded'],
      [2, 0.7, 'succeeded'],
    ]);
    // The trials completed before the kill are kept as they were: same run, same result.
    for (const done of before!.trials.filter((t) => t.status === 'succeeded')) {
      expect(view!.trials[done.index]).toMatchObject({ runId: done.runId, objective: done.objective, finishedAt: done.finishedAt });
    }
    expect(view!.best?.assignment).toEqual({ 'extras.quality': 0.9, 'extras.steps': 6, 'extras.step_seconds': 0.4 });
    // Generous: under a full test run on two cores, recovery plus four trials can take minutes.
  }, 360_000);
});
