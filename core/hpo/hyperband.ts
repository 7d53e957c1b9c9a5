import type { ExperimentSpec } from '../specs/experiment.js';
import { suggestionRandom } from './random-streams.js';
import type { HyperbandState, SearchAlgorithm, SuggestInput, Suggestions } from './search-algorithm.js';
import { lossOf, type Assignment, type TrialObservation } from './trial-observation.js';

/** One rung of successive halving: n configurations, each run with resource r. */
export interface HyperbandRung {
  readonly n: number;
  readonly r: number;
}

/** One bracket: successive halving started with n configurations at resource R·eta^-s. */
export interface HyperbandBracket {
  readonly s: number;
  readonly rungs: readonly HyperbandRung[];
}

/**
 * Li et al. 2018, Algorithm 1: s_max = floor(log_eta(R / r_min)); bracket s (s_max down to 0)
 * starts n = ceil((s_max + 1) / (s + 1) · eta^s) configurations at r = R·eta^-s, and rung i
 * keeps n_i = floor(n·eta^-i) of them at r_i = r·eta^i. The paper counts R in units of the
 * smallest resource (r_min = 1); a larger r_min (a resource parameter starting at 8) only
 * removes the brackets that would go below it. Integer arithmetic decides s_max and n,
 * because log(81)/log(3) and 5/3·9 are not exact in floating point.
 */
export function hyperbandPlan(maxResource: number, eta: number, minResource = 1): HyperbandBracket[] {
  let sMax = 0;
  while (eta ** (sMax + 1) * minResource <= maxResource) sMax++;
  const brackets: HyperbandBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) * eta ** s) / (s + 1));
    const rungs = Array.from({ length: s + 1 }, (_, i) => ({ n: Math.floor(n / eta ** i), r: maxResource / eta ** (s - i) }));
    brackets.push({ s, rungs });
  }
  return brackets;
}

/**
 * Hyperband as synchronous successive halving, one bracket after another: a rung's trials
 * are all suggested, then nothing more until every one has finished; the best 1/eta (by
 * objective; failed trials never) are re-suggested with eta times the resource. A bracket's
 * last rung is not waited for. Fresh configurations are random.
 */
export const hyperbandSearch: SearchAlgorithm = {
  suggest(input) {
    const { spec, state } = input;
    const { resource, plan } = settingsOf(spec);
    let hb: HyperbandState = state.hyperband ?? { bracket: 0, rung: 0, start: state.suggested, size: plan[0]!.rungs[0]!.n, issued: 0, promoted: [] };
    const assignments: Assignment[] = [];
    const suggested = () => state.suggested + assignments.length;
    while (hb.bracket < plan.length && assignments.length < input.count) {
      const bracket = plan[hb.bracket]!;
      if (hb.issued < hb.size) {
        const r = resourceValue(bracket.rungs[hb.rung]!.r);
        assignments.push(hb.rung === 0 ? { ...freshConfig(input, suggested()), [resource]: r } : hb.promoted[hb.issued]!);
        hb = { ...hb, issued: hb.issued + 1 };
        continue;
      }
      const next = bracket.rungs[hb.rung + 1];
      const rungTrials = input.history.slice(hb.start, hb.start + hb.size);
      // Promotion needs the whole rung's results; a bracket's last rung promotes nothing, so the next bracket need not wait for it.
      if (next && (rungTrials.length < hb.size || rungTrials.some((t) => t.status === 'running'))) break;
      const promoted = next ? topConfigs(input, rungTrials, next.n).map((a) => ({ ...a, [resource]: resourceValue(next.r) })) : [];
      hb =
        next && promoted.length > 0
          ? { bracket: hb.bracket, rung: hb.rung + 1, start: suggested(), size: promoted.length, issued: 0, promoted }
          : { bracket: hb.bracket + 1, rung: 0, start: suggested(), size: plan[hb.bracket + 1]?.rungs[0]?.n ?? 0, issued: 0, promoted: [] };
    }
    return done(state, assignments, hb, plan);
  },
};

function done(state: SuggestInput['state'], assignments: Assignment[], hb: HyperbandState, plan: readonly HyperbandBracket[]): Suggestions {
  const lastRung = hb.bracket === plan.length - 1 && hb.rung === plan[hb.bracket]!.rungs.length - 1 && hb.issued >= hb.size;
  return { assignments, state: { ...state, suggested: state.suggested + assignments.length, hyperband: hb }, exhausted: hb.bracket >= plan.length || lastRung };
}

function settingsOf(spec: ExperimentSpec): { resource: string; plan: HyperbandBracket[] } {
  if (spec.algorithm.name !== 'hyperband') throw new RangeError(`hyperband cannot run algorithm ${spec.algorithm.name}`);
  const { resource_parameter: resource, max_resource: maxResource, eta } = spec.algorithm.settings;
  const parameter = spec.parameters.find((p) => p.name === resource);
  if (parameter?.type !== 'int') throw new RangeError(`hyperband's resource parameter ${resource} is not an int parameter`);
  return { resource, plan: hyperbandPlan(maxResource ?? parameter.max, eta, Math.max(1, parameter.min)) };
}

/** Resources are handed to an int parameter; a rung never gets less than 1. */
const resourceValue = (r: number) => Math.max(1, Math.round(r));

function freshConfig({ spec, space }: SuggestInput, index: number): Assignment {
  return space.decode(space.sample(suggestionRandom(spec.seed, index)));
}

/** The best `n` configurations of a finished rung; trials without an objective are never promoted. */
function topConfigs({ spec }: SuggestInput, trials: readonly TrialObservation[], n: number): Assignment[] {
  return trials
    .map((t, index) => ({ t, index }))
    .filter(({ t }) => t.status !== 'failed' && t.objective !== undefined && Number.isFinite(t.objective))
    .sort((a, b) => lossOf(spec.objective.goal, a.t.objective!) - lossOf(spec.objective.goal, b.t.objective!) || a.index - b.index)
    .slice(0, n)
    .map(({ t }) => t.assignment);
}
