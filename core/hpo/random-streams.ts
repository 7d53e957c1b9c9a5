import { seededRandom, type RandomSource } from '../datasets/seeded-random.js';

/** murmur3's 32-bit finalizer: spreads nearby inputs (seed 1 vs 2, index 7 vs 8) over the whole range. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The random stream of the experiment's `index`-th suggestion. Each suggestion has its own
 * stream, so the only generator state a workflow must keep is how many suggestions it has
 * made, and a suggestion does not depend on how the earlier ones were batched.
 */
export function suggestionRandom(seed: number, index: number): RandomSource {
  const folded = (seed ^ Math.floor(seed / 4294967296)) >>> 0;
  return seededRandom(mix32(mix32(folded) ^ Math.imul(index + 1, 0x9e3779b9)));
}

/** A standard normal sample (Box-Muller); `1 - u` keeps the logarithm's argument above 0. */
export function standardNormal(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
