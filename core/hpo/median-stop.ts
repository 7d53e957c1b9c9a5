import type { ExperimentSpec } from '../specs/experiment.js';
import { lossOf, type Objective } from './trial-observation.js';

/** A trial's intermediate values of the objective metric, one per step. */
export type MetricSeries = readonly { readonly step: number; readonly value: number }[];

export type MedianStopRule = Pick<NonNullable<ExperimentSpec['early_stopping']>, 'min_trials_required' | 'start_step'>;

export interface StopDecision {
  readonly stop: boolean;
  /** Why, in words a user reads in the trial's status. */
  readonly reason: string;
}

/**
 * The median stopping rule (Golovin et al. 2017, Katib's medianstop): at its latest step s
 * (≥ start_step), a running trial is stopped when its best value so far is worse than the
 * median, over the completed trials that reported step s, of their running averages up to s
 * — once at least min_trials_required completed trials reported s. A trial is never stopped
 * for tying the median.
 */
export function medianStop(objective: Objective, rule: MedianStopRule, running: MetricSeries, completed: readonly MetricSeries[]): StopDecision {
  const points = running.filter((p) => Number.isFinite(p.value));
  if (points.length === 0) return keep('no intermediate value reported yet');
  const step = Math.max(...points.map((p) => p.step));
  if (step < rule.start_step) return keep(`step ${step} is before start_step ${rule.start_step}`);
  const averages = completed.filter((series) => series.some((p) => p.step === step && Number.isFinite(p.value))).map((series) => runningAverage(series, step));
  if (averages.length < rule.min_trials_required) {
    return keep(`${averages.length} of the ${rule.min_trials_required} completed trials required have reached step ${step}`);
  }
  const loss = (v: number) => lossOf(objective.goal, v);
  const best = points.reduce((b, p) => (loss(p.value) < loss(b) ? p.value : b), points[0]!.value);
  const median = medianOf(averages);
  const worse = objective.goal === 'maximize' ? 'below' : 'above';
  const better = objective.goal === 'maximize' ? 'at or above' : 'at or below';
  const of = `the median ${fmt(median)} of ${averages.length} completed trials`;
  return loss(best) > loss(median)
    ? { stop: true, reason: `${objective.metric} ${fmt(best)} at step ${step} is ${worse} ${of}` }
    : keep(`${objective.metric} ${fmt(best)} at step ${step} is ${better} ${of}`);
}

const keep = (reason: string): StopDecision => ({ stop: false, reason });

/** Mean of a series' values at steps ≤ step: one noisy step should not decide the comparison. */
function runningAverage(series: MetricSeries, step: number): number {
  const values = series.filter((p) => p.step <= step && Number.isFinite(p.value)).map((p) => p.value);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Four significant digits: enough to compare, short enough to read. */
const fmt = (v: number) => String(Number(v.toPrecision(4)));
