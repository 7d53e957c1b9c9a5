import { z } from 'zod';
import { LIMITS } from './limits.js';

/** One threshold on a metric that the evaluate stage logs (its last value counts). */
export const MetricThreshold = z
  .object({
    metric: z.string().min(1).max(LIMITS.metricName),
    /** `min`: value must be ≥ threshold (accuracy); `max`: value must be ≤ threshold (loss). */
    direction: z.enum(['min', 'max']).default('min'),
    threshold: z.number(),
  })
  .strict();

/** The validation gate: every threshold must hold, else the run ends as rejected and nothing is served. */
export const ValidationGate = z.object({ thresholds: z.array(MetricThreshold).max(LIMITS.thresholds).default([]) }).strict();
export type ValidationGate = z.output<typeof ValidationGate>;
