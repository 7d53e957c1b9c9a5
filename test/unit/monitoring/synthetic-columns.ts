import { seededRandom } from '../../../core/datasets/seeded-random.js';
import { standardNormal } from '../../../core/hpo/random-streams.js';

/** `count` normal(mean, std) values from `seed`, written as CSV cells. */
export function normalCells(count: number, seed: number, mean = 0, std = 1): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => String(Number((mean + std * standardNormal(random)).toFixed(4))));
}

/** `count` cells with the given categories in the given shares, in a seeded order. */
export function categoryCells(count: number, seed: number, shares: Record<string, number>): string[] {
  const cells = Object.entries(shares).flatMap(([category, share]) => Array.from({ length: Math.round(count * share) }, () => category));
  const random = seededRandom(seed);
  for (let i = cells.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [cells[i], cells[j]] = [cells[j] as string, cells[i] as string];
  }
  return cells;
}
