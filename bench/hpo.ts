/**
 * Tuning benchmark (on demand, not part of the tests): `make bench-hpo` or `npx tsx bench/hpo.ts`.
 *
 * 1. Parallel efficiency: an experiment of 8 fixed-length trials, 4 at a time, on the embedded
 *    stack (examples/tuning-curves): ideal wall time (sum of trial times ÷ 4) over actual.
 * 2. Median stopping: the same grid of trials with and without medianstop: trial time saved,
 *    and the best objective each found.
 * 3. Algorithms at equal budget (pure, no stack): best objective found by grid, random, TPE and
 *    Hyperband on a 2-D problem with a training-length resource, over several seeds.
 * Targets (efficiency ≥ 0.9, time saved ≥ 30% at an equal best) are reported, never asserted.
 */
import { join } from 'node:path';
import { applySpecFile, readSpecFile } from '../api/cli/apply-file.js';
import type { KilnApiClient } from '../api/client/kiln-api-client.js';
import { suggest } from '../core/hpo/suggest.js';
import type { Assignment, TrialObservation } from '../core/hpo/trial-observation.js';
import type { SuggestState } from '../core/hpo/search-algorithm.js';
import { ExperimentSpec, type ExperimentSpecInput } from '../core/specs/experiment.js';
import type { ExperimentView } from '../workflows/experiment-state.js';
import { ROOT, startBenchStack } from './lib/bench-stack.js';
import { table, verdict } from './lib/report.js';

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);
const curves = (name: string, overrides: Partial<ExperimentSpecInput> & Pick<ExperimentSpecInput, 'parameters'>): ExperimentSpecInput => ({
  name,
  project: 'curves',
  objective: { metric: 'accuracy', goal: 'maximize' as const },
  algorithm: { name: 'grid' },
  ...overrides,
});

async function runExperiment(client: KilnApiClient, spec: Parameters<KilnApiClient['createExperiment']>[0]): Promise<ExperimentView> {
  const { experiment_id } = await client.createExperiment(spec);
  for (;;) {
    const view = await client.getExperiment(experiment_id);
    if (view.status !== 'running') return view;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const trialSeconds = (v: ExperimentView) => v.trials.map((t) => (Date.parse(t.finishedAt!) - Date.parse(t.startedAt)) / 1000);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function stackBenchmarks() {
  say('starting the embedded stack');
  const bench = await startBenchStack();
  try {
    await applySpecFile(bench.client, readSpecFile(join(ROOT, 'examples/tuning-curves/kiln.json')));
    say('warm-up (environment build)');
    await runExperiment(
      bench.client,
      curves('warmup', { parameters: [{ name: 'extras.steps', type: 'discrete', values: [1] }], max_trial_count: 1, parallel_trial_count: 1 }),
    );

    say('parallel efficiency: 8 trials of 12 × 0.5 s, 4 at a time');
    const parallel = await runExperiment(
      bench.client,
      curves('parallel', {
        parameters: [
          { name: 'extras.quality', type: 'discrete', values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] },
          { name: 'extras.steps', type: 'discrete', values: [12] },
          { name: 'extras.step_seconds', type: 'discrete', values: [0.5] },
        ],
        parallel_trial_count: 4,
        max_trial_count: 8,
      }),
    );
    const starts = parallel.trials.map((t) => Date.parse(t.startedAt));
    const ends = parallel.trials.map((t) => Date.parse(t.finishedAt!));
    const actual = (Math.max(...ends) - Math.min(...starts)) / 1000;
    const efficiency = sum(trialSeconds(parallel)) / 4 / actual;

    say('median stopping: 8 trials of 60 × 0.2 s, 2 at a time, with and without medianstop');
    const grid = { name: 'extras.quality', type: 'discrete', values: [0.9, 0.85, 0.8, 0.3, 0.25, 0.2, 0.15, 0.1] };
    const fixed = [
      { name: 'extras.steps', type: 'discrete', values: [60] },
      { name: 'extras.step_seconds', type: 'discrete', values: [0.2] },
    ];
    const base = { parameters: [grid, ...fixed], parallel_trial_count: 2, max_trial_count: 8 } as Partial<ExperimentSpecInput>;
    // fail_below differs (and never fires) so the second experiment's trials are not stage-cache hits of the first's.
    const without = await runExperiment(
      bench.client,
      curves('no-stopping', { ...base, parameters: [...base.parameters!, { name: 'extras.fail_below', type: 'discrete', values: [-1] }] }),
    );
    const withStop = await runExperiment(
      bench.client,
      curves('medianstop', {
        ...base,
        parameters: [...base.parameters!, { name: 'extras.fail_below', type: 'discrete', values: [-2] }],
        early_stopping: { algorithm: 'medianstop', min_trials_required: 2, start_step: 3 },
      }),
    );
    const saved = 1 - sum(trialSeconds(withStop)) / sum(trialSeconds(without));
    return { efficiency, actual, parallel, saved, without, withStop };
  } finally {
    await bench.dispose();
  }
}

/** A 2-D problem whose evaluation improves with training length (`extras.steps`, the resource): smaller is better. */
function problem(a: Assignment): number {
  const x = a['extras.x'] as number;
  const y = a['extras.y'] as number;
  return (x - 1) ** 2 + (y + 2) ** 2 + 4 / (a['extras.steps'] as number);
}

function tuneOffline(algorithm: ExperimentSpecInput['algorithm'], seed: number, budget: number): number {
  const spec = ExperimentSpec.parse({
    name: 'offline',
    project: 'offline',
    objective: { metric: 'loss', goal: 'minimize' },
    parameters: [
      { name: 'extras.x', type: 'double', min: -5, max: 5 },
      { name: 'extras.y', type: 'double', min: -5, max: 5 },
      { name: 'extras.steps', type: 'int', min: 1, max: 27 },
    ],
    algorithm,
    parallel_trial_count: 1,
    max_trial_count: budget,
    seed,
  });
  const history: TrialObservation[] = [];
  let state: SuggestState | undefined;
  let best = Infinity;
  while (history.length < budget) {
    const next = suggest(spec, history, 1, state);
    state = next.state;
    if (next.assignments.length === 0) break;
    const objective = problem(next.assignments[0]!);
    history.push({ assignment: next.assignments[0]!, status: 'succeeded', objective });
    best = Math.min(best, objective);
  }
  return best;
}

async function main() {
  const budget = 40;
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const algorithms: [string, ExperimentSpecInput['algorithm']][] = [
    ['grid', { name: 'grid', settings: { steps: 4 } }],
    ['random', { name: 'random' }],
    ['tpe', { name: 'tpe' }],
    ['hyperband', { name: 'hyperband', settings: { resource_parameter: 'extras.steps', eta: 3 } }],
  ];
  const offline = algorithms.map(([name, algorithm]) => {
    const bests = seeds.map((seed) => tuneOffline(algorithm, seed, budget));
    return { name, mean: sum(bests) / bests.length };
  });
  const stack = await stackBenchmarks();
  const bestOf = (v: ExperimentView) => v.best?.objective ?? NaN;
  console.log('\nTuning benchmark\n');
  console.log(
    table([
      { metric: 'parallel efficiency (8 trials, 4 at once)', value: stack.efficiency.toFixed(2), target: '≥ 0.90', verdict: verdict(-stack.efficiency, -0.9) },
      { metric: 'median stopping: trial time saved', value: `${(stack.saved * 100).toFixed(0)}%`, target: '≥ 30%', verdict: verdict(-stack.saved, -0.3) },
      {
        metric: 'best accuracy without / with stopping',
        value: `${bestOf(stack.without).toFixed(4)} / ${bestOf(stack.withStop).toFixed(4)}`,
        target: 'equal',
        verdict: bestOf(stack.without) === bestOf(stack.withStop) ? 'PASS' : 'MISS',
      },
    ]),
  );
  console.log(`\nBest objective at equal budget (${budget} trials, mean over ${seeds.length} seeds; (x−1)²+(y+2)²+4/steps, lower is better)\n`);
  console.log(
    table(
      offline.map((o) => ({ metric: o.name, value: o.mean.toFixed(3) })),
      ['algorithm', 'mean best', ''],
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
