/**
 * Deterministic pseudo-random numbers from an integer seed (mulberry32). Pure and free of
 * Node built-ins so workflows may use it: the same seed yields the same sequence everywhere.
 */
export type RandomSource = () => number;

/** A generator of floats in [0, 1); equal seeds give equal sequences. */
export function seededRandom(seed: number): RandomSource {
  // Fold the high bits in so seeds above 2^32 do not collide with their low 32 bits.
  let state = (seed ^ Math.floor(seed / 4294967296)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, maxExclusive). */
export function randomInt(random: RandomSource, maxExclusive: number): number {
  return Math.floor(random() * maxExclusive);
}

/** A Fisher-Yates shuffled copy of `items`; the input is left untouched. */
export function shuffled<T>(items: readonly T[], random: RandomSource): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Up to `size` items drawn without replacement, in their original order; all of them when
 * there are no more. A partial Fisher-Yates: it draws `size` numbers, not one per item.
 */
export function sampled<T>(items: readonly T[], size: number, random: RandomSource): T[] {
  if (items.length <= size) return [...items];
  const indices = items.map((_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(random, indices.length - i);
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
