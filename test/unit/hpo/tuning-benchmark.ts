import { seededRandom } from '../../../core/datasets/seeded-random.js';
import { standardNormal } from '../../../core/hpo/random-streams.js';
import type { SuggestState } from '../../../core/hpo/search-algorithm.js';
import { suggest } from '../../../core/hpo/suggest.js';
import type { Assignment, TrialObservation } from '../../../core/hpo/trial-observation.js';
import { ExperimentSpec, type ExperimentSpecInput } from '../../../core/specs/experiment.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';

/** An experiment spec with test defaults, parsed like any other input. */
export function experiment(overrides: Partial<ExperimentSpecInput> & Pick<ExperimentSpecInput, 'parameters' | 'algorithm'>): ExperimentSpec {
  return parseSpec(ExperimentSpec, { name: 'tune', project: 'demo', objective: { metric: 'loss', goal: 'minimize' }, ...overrides }, 'experiment');
}

const num = (a: Assignment, name: string) => a[name] as number;

/** (x − 1)² + (y + 2)² on [−5, 5]²: minimum 0 at (1, −2). */
export const quadratic2d = {
  parameters: [
    { name: 'extras.x', type: 'double', min: -5, max: 5 },
    { name: 'extras.y', type: 'double', min: -5, max: 5 },
  ] as ExperimentSpecInput['parameters'],
  value: (a: Assignment) => (num(a, 'extras.x') - 1) ** 2 + (num(a, 'extras.y') + 2) ** 2,
};

/** A shifted sphere over a log-scale double, two doubles and an int: minimum 0 at lr 1e-2, x 1.5, y −2.5, batch 64. */
export const sphere4d = {
  parameters: [
    { name: 'learning_rate', type: 'double', min: 1e-5, max: 1, log: true },
    { name: 'extras.x', type: 'double', min: -5, max: 5 },
    { name: 'extras.y', type: 'double', min: -5, max: 5 },
    { name: 'batch_size', type: 'int', min: 8, max: 256 },
  ] as ExperimentSpecInput['parameters'],
  value: (a: Assignment) =>
    (Math.log10(num(a, 'learning_rate')) + 2) ** 2 +
    (num(a, 'extras.x') - 1.5) ** 2 +
    (num(a, 'extras.y') + 2.5) ** 2 +
    ((num(a, 'batch_size') - 64) / 32) ** 2,
};

export interface TuningResult {
  /** The noise-free value at the trial whose observed objective was best: what the user would keep. */
  best: number;
  assignments: Assignment[];
}

/** Runs `budget` trials one at a time; the observed objective is `value` plus N(0, noise²) from the seeded generator. */
export function tune(spec: ExperimentSpec, value: (a: Assignment) => number, budget: number, noise = 0): TuningResult {
  const noiseRandom = seededRandom(spec.seed + 1_000_003);
  const history: TrialObservation[] = [];
  let state: SuggestState | undefined;
  let best = { observed: Infinity, value: Infinity };
  while (history.length < budget) {
    const next = suggest(spec, history, 1, state);
    state = next.state;
    const assignment = next.assignments[0]!;
    const observed = value(assignment) + noise * standardNormal(noiseRandom);
    history.push({ assignment, status: 'succeeded', objective: observed });
    if (observed < best.observed) best = { observed, value: value(assignment) };
  }
  return { best: best.value, assignments: history.map((t) => t.assignment) };
}
