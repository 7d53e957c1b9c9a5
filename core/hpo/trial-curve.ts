import { STAGES, type StageName } from '../pipeline/stage-names.js';
import type { MetricSeries } from './median-stop.js';

/** A trial's stage reports new values of the objective: sent by the stage, received by the experiment. */
export interface TrialCurveReport {
  /** The trial's index in its experiment. */
  index: number;
  stage: StageName;
  /** New points since the stage's previous report, by step. */
  points: { step: number; value: number }[];
}

/** One trial's intermediate values of the objective, per stage that logged them. */
export type TrialCurve = Partial<Record<StageName, MetricSeries>>;

/** Adds points to a stage's series: one value per step (the newest wins), sorted by step. */
export function mergePoints(series: MetricSeries | undefined, points: MetricSeries): MetricSeries {
  const byStep = new Map((series ?? []).map((p) => [p.step, p.value]));
  for (const p of points) byStep.set(p.step, p.value);
  return [...byStep].map(([step, value]) => ({ step, value })).sort((a, b) => a.step - b.step);
}

/** The series early stopping reads: from the first stage in pipeline order that logged any (train before evaluate). */
export function seriesOf(curve: TrialCurve | undefined): MetricSeries {
  const stage = STAGES.find((s) => (curve?.[s]?.length ?? 0) > 0);
  return stage ? curve![stage]! : [];
}
