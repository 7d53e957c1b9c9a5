import type { RandomSource } from '../datasets/seeded-random.js';
import { standardNormal } from './random-streams.js';
import { choiceCentre, choiceIndex } from './search-space.js';

/** A density over one unit-interval axis, fitted to observed points. */
export interface ParzenEstimator {
  logDensity(u: number): number;
  sample(random: RandomSource): number;
}

/** The prior component: centred, as wide as the domain, so no region ever has zero density. */
const PRIOR_MEAN = 0.5;
const PRIOR_SIGMA = 1;

/**
 * Bergstra et al. 2011's adaptive Parzen estimator on [0, 1]: one Gaussian per observation
 * plus the prior, equal weights, each truncated to the interval. A point's bandwidth is the
 * larger gap to its neighbours (the interval's ends bound the outermost points), clipped so
 * that a tight cluster cannot collapse to a spike and a lone point is no wider than the prior.
 */
export function numericParzen(points: readonly number[]): ParzenEstimator {
  const sorted = [...points].sort((a, b) => a - b);
  const minSigma = PRIOR_SIGMA / Math.min(100, sorted.length + 1);
  const components = sorted.map((mu, i) => {
    const left = mu - (sorted[i - 1] ?? 0);
    const right = (sorted[i + 1] ?? 1) - mu;
    return truncatedNormal(mu, Math.min(PRIOR_SIGMA, Math.max(minSigma, left, right)));
  });
  components.push(truncatedNormal(PRIOR_MEAN, PRIOR_SIGMA));
  return {
    logDensity: (u) => Math.log(components.reduce((sum, c) => sum + c.density(u), 0) / components.length),
    sample: (random) => components[Math.floor(random() * components.length)]!.sample(random),
  };
}

/**
 * A categorical axis (k choices at their cell centres): observed counts smoothed by one
 * pseudo-observation spread evenly over the choices, so unseen choices keep some mass.
 */
export function categoricalParzen(points: readonly number[], choices: number): ParzenEstimator {
  const weights = Array.from({ length: choices }, () => 1 / choices);
  for (const u of points) weights[choiceIndex(u, choices)]! += 1;
  const total = points.length + 1;
  return {
    logDensity: (u) => Math.log(weights[choiceIndex(u, choices)]! / total),
    sample: (random) => {
      let r = random() * total;
      for (let k = 0; k < choices; k++) {
        r -= weights[k]!;
        if (r < 0) return choiceCentre(k, choices);
      }
      return choiceCentre(choices - 1, choices);
    },
  };
}

interface Component {
  density(u: number): number;
  sample(random: RandomSource): number;
}

function truncatedNormal(mu: number, sigma: number): Component {
  const mass = normalCdf((1 - mu) / sigma) - normalCdf(-mu / sigma);
  const scale = 1 / (sigma * Math.sqrt(2 * Math.PI) * mass);
  return {
    density: (u) => (u < 0 || u > 1 ? 0 : scale * Math.exp(-0.5 * ((u - mu) / sigma) ** 2)),
    sample: (random) => {
      // Rejection is cheap here: with mu in [0, 1] and sigma ≤ 1 at least a third of draws land inside.
      for (let attempt = 0; attempt < 64; attempt++) {
        const u = mu + sigma * standardNormal(random);
        if (u >= 0 && u <= 1) return u;
      }
      return Math.min(1, Math.max(0, mu));
    },
  };
}

/** Φ(z) via erf (Abramowitz & Stegun 7.1.26, error < 1.5e-7, plenty for a density ratio). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return 0.5 * (1 + (z >= 0 ? erf : -erf));
}
