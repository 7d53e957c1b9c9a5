import type { ExperimentParameter } from '../specs/experiment.js';
import type { SearchAlgorithm } from './search-algorithm.js';
import type { Assignment, ParamValue } from './trial-observation.js';

/**
 * The values grid search tries for one parameter, ascending for ranges: `steps` points with
 * both ends (log-aware) for a double; every integer for an int, or `steps` rounded points
 * when given; the listed values, in order, for a categorical or discrete parameter.
 */
export function gridValues(p: ExperimentParameter, steps?: number): ParamValue[] {
  if (p.type === 'categorical' || p.type === 'discrete') return [...p.values];
  if (p.type === 'int' && steps === undefined) return Array.from({ length: p.max - p.min + 1 }, (_, i) => p.min + i);
  const count = steps ?? 2;
  const [a, b] = p.log ? [Math.log(p.min), Math.log(p.max)] : [p.min, p.max];
  const points = Array.from({ length: count }, (_, i) => {
    if (i === 0) return p.min;
    if (i === count - 1) return p.max;
    const v = a + ((b - a) * i) / (count - 1);
    // 12 significant digits: the user sees 0.01, not 0.010000000000000002.
    return p.type === 'int' ? Math.round(p.log ? Math.exp(v) : v) : Number((p.log ? Math.exp(v) : v).toPrecision(12));
  });
  return [...new Set(points)];
}

/** The Cartesian product of every parameter's grid values, in odometer order (the last parameter varies fastest). */
export function gridPoints(parameters: readonly ExperimentParameter[], steps?: number): GridPoints {
  const axes = parameters.map((p) => ({ name: p.name, values: gridValues(p, steps) }));
  const size = axes.reduce((n, axis) => n * axis.values.length, 1);
  return {
    size,
    at(index) {
      const assignment: Record<string, ParamValue> = {};
      let rest = index;
      for (let i = axes.length - 1; i >= 0; i--) {
        const { name, values } = axes[i]!;
        assignment[name] = values[rest % values.length]!;
        rest = Math.floor(rest / values.length);
      }
      // Keep the spec's parameter order in the assignment, whatever order it was filled in.
      return Object.fromEntries(axes.map(({ name }) => [name, assignment[name]!]));
    },
  };
}

export interface GridPoints {
  readonly size: number;
  /** The index-th point, 0 ≤ index < size; computed, so a large grid is never materialized. */
  at(index: number): Assignment;
}

/** Grid search: the next points in enumeration order; `state.suggested` is the position in the grid. */
export const gridSearch: SearchAlgorithm = {
  suggest({ spec, count, state }) {
    const steps = spec.algorithm.name === 'grid' ? spec.algorithm.settings.steps : undefined;
    const grid = gridPoints(spec.parameters, steps);
    const end = Math.min(grid.size, state.suggested + Math.max(0, count));
    const assignments = Array.from({ length: Math.max(0, end - state.suggested) }, (_, i) => grid.at(state.suggested + i));
    return { assignments, state: { ...state, suggested: Math.max(end, state.suggested) }, exhausted: end >= grid.size };
  },
};
