import type { RandomSource } from '../datasets/seeded-random.js';
import type { ExperimentParameter } from '../specs/experiment.js';
import type { Assignment, ParamValue } from './trial-observation.js';

/** One axis of the unit hypercube. */
export interface Dimension {
  readonly name: string;
  /** How many choices a categorical or discrete axis has; undefined on a numeric (double, int) axis. */
  readonly choices?: number;
}

/**
 * The parameters as the unit hypercube [0,1]^d, where random search samples uniformly and
 * TPE fits its densities, so neither needs to know about log scales, integers or choices.
 */
export interface SearchSpace {
  readonly dimensions: readonly Dimension[];
  /** The point an assignment stands at: ranges scaled (log-aware), choice i of k at (i + 0.5) / k. */
  encode(assignment: Assignment): number[];
  /** The assignment a point stands for: doubles clamped to range, ints rounded, choice floor(u * k). */
  decode(point: readonly number[]): Assignment;
  /** A point drawn uniformly from the cube. */
  sample(random: RandomSource): number[];
}

interface Axis extends Dimension {
  encode(value: ParamValue): number;
  decode(u: number): ParamValue;
}

export function searchSpace(parameters: readonly ExperimentParameter[]): SearchSpace {
  const axes = parameters.map(axisOf);
  return {
    dimensions: axes.map(({ name, choices }) => (choices === undefined ? { name } : { name, choices })),
    encode: (assignment) =>
      axes.map((axis) => {
        const value = assignment[axis.name];
        if (value === undefined) throw new RangeError(`assignment has no value for ${axis.name}`);
        return axis.encode(value);
      }),
    decode: (point) => Object.fromEntries(axes.map((axis, i) => [axis.name, axis.decode(clampUnit(point[i] ?? 0.5))])),
    sample: (random) => axes.map(() => random()),
  };
}

/** The choice a unit value falls in; u = 1 belongs to the last choice. */
export function choiceIndex(u: number, choices: number): number {
  return Math.min(choices - 1, Math.max(0, Math.floor(u * choices)));
}

/** The unit value at the centre of choice `index`. */
export function choiceCentre(index: number, choices: number): number {
  return (index + 0.5) / choices;
}

function axisOf(p: ExperimentParameter): Axis {
  if (p.type === 'categorical' || p.type === 'discrete') {
    const values: readonly ParamValue[] = p.values;
    return {
      name: p.name,
      choices: values.length,
      encode: (value) => {
        const index = values.indexOf(value);
        if (index < 0) throw new RangeError(`${p.name}: ${JSON.stringify(value)} is not one of its values`);
        return choiceCentre(index, values.length);
      },
      decode: (u) => values[choiceIndex(u, values.length)]!,
    };
  }
  // An int owns the unit interval of [v - 0.5, v + 0.5], so every integer is equally likely.
  const [lo, hi] = p.type === 'int' ? [p.min - 0.5, p.max + 0.5] : [p.min, p.max];
  const scale = p.log ? Math.log : (v: number) => v;
  const unscale = p.log ? Math.exp : (v: number) => v;
  const [a, b] = [scale(lo), scale(hi)];
  return {
    name: p.name,
    encode: (value) => {
      if (typeof value !== 'number') throw new RangeError(`${p.name}: expected a number, got ${JSON.stringify(value)}`);
      return clampUnit((scale(value) - a) / (b - a));
    },
    decode: (u) => {
      // The ends are returned exactly: exp(log(min)) need not equal min.
      const v = u <= 0 ? lo : u >= 1 ? hi : unscale(a + u * (b - a));
      return p.type === 'int' ? clamp(Math.round(v), p.min, p.max) : clamp(v, p.min, p.max);
    },
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const clampUnit = (u: number) => (Number.isFinite(u) ? clamp(u, 0, 1) : 0.5);
