import { describe, expect, it } from 'vitest';
import { renderExperiment } from '../../../api/cli/render-experiment.js';
import type { ExperimentView } from '../../../api/client/kiln-api-client.js';

const view: ExperimentView = {
  experimentId: 'exp-curves-1',
  name: 'curves',
  objective: { metric: 'accuracy', goal: 'maximize', target: 0.95 },
  parallelTrialCount: 2,
  maxTrialCount: 4,
  status: 'running',
  exhausted: false,
  suggest: { suggested: 3 },
  trials: [
    {
      index: 0,
      runId: 'exp-curves-1-trial-0',
      assignment: { 'extras.quality': 0.9, penalty: 'l2' },
      status: 'succeeded',
      objective: 0.88812,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:04.000Z',
    },
    {
      index: 1,
      runId: 'exp-curves-1-trial-1',
      assignment: { 'extras.quality': 0.1, penalty: 'l1' },
      status: 'early_stopped',
      objective: 0.05,
      reason: 'early stopped: below the median',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:02.500Z',
    },
    { index: 2, runId: 'exp-curves-1-trial-2', assignment: { 'extras.quality': 0.5, penalty: 'l2' }, status: 'running', startedAt: '2026-01-01T00:00:04.000Z' },
  ],
};
view.best = view.trials[0];

describe('renderExperiment', () => {
  const lines = renderExperiment(view, Date.parse('2026-01-01T00:00:05.000Z'));
  it('says how far it is and what it optimises', () => {
    expect(lines[0]).toBe('experiment exp-curves-1  status RUNNING  2/4 trials done, 1 running (at most 2 at once)');
    expect(lines[1]).toBe('objective: maximize accuracy (target 0.95)');
  });
  it('has one aligned row per trial with parameters, objective, duration and the best marked', () => {
    expect(lines[2]).toBe('  #  status           extras.quality  penalty  accuracy  time  note');
    expect(lines[3]).toBe('  0  ✔ succeeded      0.9             l2       0.8881    4.0s  ★ best');
    expect(lines[4]).toBe('  1  ⏹ early_stopped  0.1             l1       0.05      2.5s  early stopped: below the median');
    expect(lines[5]).toBe('  2  ▶ running        0.5             l2                 1.0s');
    expect(lines[6]).toBe('best: trial 0 (exp-curves-1-trial-0) accuracy=0.8881');
  });
});
