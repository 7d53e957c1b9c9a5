import { describe, expect, it } from 'vitest';
import type { SuggestState } from '../../../core/hpo/search-algorithm.js';
import { suggest } from '../../../core/hpo/suggest.js';
import type { Assignment, TrialObservation } from '../../../core/hpo/trial-observation.js';
import { trialParams } from '../../../core/hpo/trial-params.js';
import type { ExperimentSpecInput } from '../../../core/specs/experiment.js';
import { experiment, sphere4d } from './tuning-benchmark.js';

const ALGORITHMS: ExperimentSpecInput['algorithm'][] = [
  { name: 'random' },
  { name: 'tpe', settings: { n_startup: 4 } },
  { name: 'hyperband', settings: { resource_parameter: 'batch_size', max_resource: 216 } },
];

/**
 * Runs 16 trials in batches of 3, carrying the state through a JSON round trip as a workflow
 * does across continue-as-new.
 */
function trajectory(algorithm: ExperimentSpecInput['algorithm'], seed: number): Assignment[] {
  const spec = experiment({ parameters: sphere4d.parameters, algorithm, seed });
  const history: TrialObservation[] = [];
  let state: SuggestState | undefined;
  for (let round = 0; round < 30 && history.length < 16; round++) {
    const next = suggest(spec, history, 3, state);
    state = JSON.parse(JSON.stringify(next.state)) as SuggestState;
    history.push(...next.assignments.map((assignment) => ({ assignment, status: 'succeeded' as const, objective: sphere4d.value(assignment) })));
  }
  return history.map((t) => t.assignment);
}

describe.each(ALGORITHMS)('$name suggestions', (algorithm) => {
  it('are the same for the same seed', () => {
    const first = trajectory(algorithm, 7);
    expect(first.length).toBeGreaterThanOrEqual(16);
    expect(trajectory(algorithm, 7)).toEqual(first);
  });

  it('differ for a different seed', () => {
    const a = trajectory(algorithm, 7).map((t) => t['extras.x']);
    const b = trajectory(algorithm, 8).map((t) => t['extras.x']);
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(a.length / 4);
  });

  it('do not mutate the history or the state they are given', () => {
    const spec = experiment({ parameters: sphere4d.parameters, algorithm });
    const history: TrialObservation[] = trajectory(algorithm, 7).map((assignment) => ({
      assignment,
      status: 'succeeded',
      objective: sphere4d.value(assignment),
    }));
    const state: SuggestState = { suggested: history.length };
    const before = JSON.stringify([history, state]);
    suggest(spec, history, 3, state);
    expect(JSON.stringify([history, state])).toBe(before);
  });
});

describe('hyperband resources', () => {
  it('stay inside the resource parameter range', () => {
    const sizes = trajectory(ALGORITHMS[2]!, 7).map((t) => t.batch_size as number);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(216);
  });
});

describe('random suggestions', () => {
  it('do not depend on how earlier suggestions were batched', () => {
    const spec = experiment({ parameters: sphere4d.parameters, algorithm: { name: 'random' } });
    const oneBatch = suggest(spec, [], 6).assignments;
    const first = suggest(spec, [], 2);
    expect([...first.assignments, ...suggest(spec, [], 4, first.state).assignments]).toEqual(oneBatch);
  });
});

describe('trialParams', () => {
  it('puts extras under extras and the rest at the top level', () => {
    expect(trialParams({ learning_rate: 0.01, batch_size: 64, 'extras.kernel': 'rbf', 'extras.C': 1 })).toEqual({
      learning_rate: 0.01,
      batch_size: 64,
      extras: { kernel: 'rbf', C: 1 },
    });
  });

  it('leaves extras out when none are tuned', () => {
    expect(trialParams({ epochs: 3 })).toEqual({ epochs: 3 });
  });
});
