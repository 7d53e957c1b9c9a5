/**
 * Champion vs challenger: pure, so the workflow decides deterministically and tests can
 * table-drive it. Both values come from the same rows (the challenger's test split).
 */

export interface ChampionComparison {
  metric: string;
  direction: 'max' | 'min';
  min_delta: number;
}

export interface ComparisonVerdict {
  challengerWins: boolean;
  /** `0.951 vs 0.958, needs +0.005` */
  detail: string;
}

/** Differences this small are rounding, not improvement. */
const EPSILON = 1e-12;

export function compareToChampion(
  rule: ChampionComparison,
  challenger: Record<string, number>,
  champion: Record<string, number>,
): ComparisonVerdict | { error: string } {
  const mine = challenger[rule.metric];
  const theirs = champion[rule.metric];
  if (typeof mine !== 'number' || !Number.isFinite(mine)) return { error: `the challenger's evaluation reported no "${rule.metric}"` };
  if (typeof theirs !== 'number' || !Number.isFinite(theirs)) return { error: `the champion's evaluation reported no "${rule.metric}"` };
  const improvement = rule.direction === 'max' ? mine - theirs : theirs - mine;
  // A tie never unseats the champion; with min_delta the challenger must win by at least that much.
  const challengerWins = improvement > EPSILON && improvement + EPSILON >= rule.min_delta;
  const sign = rule.direction === 'max' ? '+' : '-';
  const needs = rule.min_delta > 0 ? `needs ${sign}${format(rule.min_delta)}` : `needs ${rule.direction === 'max' ? 'higher' : 'lower'} ${rule.metric}`;
  return { challengerWins, detail: `${format(mine)} vs ${format(theirs)}, ${needs}` };
}

function format(value: number): string {
  return String(Number(value.toPrecision(4)));
}
