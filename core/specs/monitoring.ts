import { z } from 'zod';
import { DurationString, durationMs } from './duration.js';
import { MIN_SCHEDULE_INTERVAL_MS } from './schedule.js';

/** What the monitor does when a window drifts: start a retraining run, post a webhook, or only report it. */
export const DRIFT_ACTIONS = ['retrain', 'alert', 'none'] as const;
export const DriftAction = z.enum(DRIFT_ACTIONS);
export type DriftAction = z.infer<typeof DriftAction>;

/** Longest window and interval: logged predictions are kept for a bounded time, and a month is already a slow monitor. */
const MAX_MONITOR_MS = 30 * 86_400_000;
const MonitorDuration = DurationString({ min: MIN_SCHEDULE_INTERVAL_MS, max: MAX_MONITOR_MS });

/** Where `on_drift: alert` posts its JSON report. */
export const DriftAlert = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
    /** Environment variable, read by the worker, holding the secret the webhook is signed with; absent: unsigned. */
    secret_env: z
      .string()
      .max(128)
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (capitals, digits, underscores)')
      .optional(),
  })
  .strict();
export type DriftAlert = z.output<typeof DriftAlert>;

/**
 * How a served model is watched for drift (issue 13). Every `schedule` the monitor compares the
 * inputs and predictions logged over the last `window` with the profile of the data the model
 * was trained on. A feature drifts when its PSI reaches `psi_threshold` and its test (KS or
 * chi-square) gives a p-value under `p_value`; windows with fewer than `min_samples`
 * predictions are reported as insufficient, never drifted.
 * - `schedule`: how often the monitor runs; defaults to `window`, and may not exceed it.
 * - `alert`: required when `on_drift` is `alert`.
 */
export const MonitoringSpec = z
  .object({
    window: MonitorDuration.default('1h'),
    // Fewer values than this cannot show a distribution: the tests' asymptotic p-values mean nothing there.
    min_samples: z.number().int().min(10).max(10_000_000).default(200),
    psi_threshold: z.number().gt(0).default(0.2),
    p_value: z.number().gt(0).lt(1).default(0.01),
    on_drift: DriftAction.default('none'),
    schedule: MonitorDuration.optional(),
    alert: DriftAlert.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // A window shorter than the interval leaves predictions between two runs that no report ever sees.
    if (spec.schedule !== undefined && durationMs(spec.window) < durationMs(spec.schedule)) {
      ctx.addIssue({ code: 'custom', path: ['window'], input: spec.window, message: `must be at least the schedule interval (${spec.schedule})` });
    }
    if (spec.on_drift === 'alert' && spec.alert === undefined) {
      ctx.addIssue({ code: 'custom', path: ['alert'], message: 'required when on_drift is "alert"' });
    }
  })
  .transform((spec) => ({ ...spec, schedule: spec.schedule ?? spec.window }));
export type MonitoringSpecInput = z.input<typeof MonitoringSpec>;
export type MonitoringSpec = z.output<typeof MonitoringSpec>;
