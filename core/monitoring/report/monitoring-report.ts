import { z } from 'zod';
import { DriftAction } from '../../specs/monitoring.js';

/** One feature's (or the predictions') drift verdict, as core/monitoring/feature-drift.ts computes it. */
export const FeatureDriftEntry = z.object({
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  test: z.enum(['ks', 'chi_square']),
  status: z.enum(['drifted', 'stable', 'insufficient_data']),
  drifted: z.boolean(),
  samples: z.number().int().min(0),
  missing: z.number().int().min(0),
  psi: z.number().nullable(),
  statistic: z.number().nullable(),
  p_value: z.number().nullable(),
  reason: z.string(),
});

/** How the served model did on the window's labelled predictions (core/monitoring/live-quality.ts). */
export const LiveQualityEntry = z.discriminatedUnion('task', [
  z.object({
    task: z.literal('classification'),
    samples: z.number().int().min(1),
    accuracy: z.number(),
    macro_f1: z.number(),
    classes: z.array(z.string()),
  }),
  z.object({ task: z.literal('regression'), samples: z.number().int().min(1), rmse: z.number(), mae: z.number() }),
  z.object({ task: z.literal('unknown'), samples: z.literal(0) }),
]);

/**
 * One run of a model's monitor: the window's logged inputs and predictions against the profile
 * of the data the serving version was trained on, and its live quality beside its test metrics.
 * Stored as JSON (core/monitoring/report/report-store.ts) and answered by
 * `GET /v1/models/{name}/monitoring`.
 */
export const MonitoringReport = z.object({
  model: z.string(),
  /** ISO times; the window is [from, to]. */
  window: z.object({ from: z.string(), to: z.string() }),
  serving_version: z.number().int().min(1),
  /** The versions whose logged predictions the window holds (the serving one, and any it replaced within the window). */
  versions: z.array(z.number().int().min(1)),
  /** The dataset version whose profile is the reference. */
  reference: z.object({ dataset: z.string(), version: z.string() }),
  /** Logged predictions in the window. */
  predictions: z.number().int().min(0),
  drifted: z.boolean(),
  drifted_features: z.array(z.string()),
  features: z.array(FeatureDriftEntry),
  /** The predictions against the reference's target; absent when the reference has no target profile. */
  prediction_drift: FeatureDriftEntry.optional(),
  unknown_features: z.array(z.string()),
  quality: z.object({
    live: LiveQualityEntry,
    /** The serving version's metrics as registered (its evaluation on the test split). */
    test_metrics: z.record(z.string(), z.number()),
  }),
  /** What the project's monitoring spec does with a drifted window. */
  on_drift: DriftAction,
  created_at: z.string(),
});
export type MonitoringReport = z.output<typeof MonitoringReport>;
