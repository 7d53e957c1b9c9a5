import { z } from 'zod';

/** Records the model server logs per second at most, whatever the sampling rate (the server's own default too). */
export const DEFAULT_PREDICTION_LOG_RATE = 2_000;

/**
 * Which predictions a model's servers record (issue 13): a `sample` share of them (default all),
 * at most `max_per_second` (a cap that keeps a traffic spike from filling the spool). Read when
 * a version is deployed: a change applies from the next deployment on.
 */
export const PredictionLogSettings = z
  .object({
    sample: z.number().min(0).max(1).default(1),
    max_per_second: z.number().int().min(1).max(100_000).default(DEFAULT_PREDICTION_LOG_RATE),
  })
  .strict();
export type PredictionLogSettings = z.output<typeof PredictionLogSettings>;

/** What a project that says nothing gets: the schema's own defaults. */
export const DEFAULT_PREDICTION_LOG: PredictionLogSettings = Object.freeze(PredictionLogSettings.parse({}));

/** The model server's environment for these settings (sdk/python/kiln_sdk/prediction_log.py reads it). */
export function predictionLogEnv(settings: PredictionLogSettings): Record<string, string> {
  return { KILN_PREDICTION_LOG_SAMPLE: String(settings.sample), KILN_PREDICTION_LOG_MAX_PER_S: String(settings.max_per_second) };
}
