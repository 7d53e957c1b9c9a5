import { z } from 'zod';
import { DurationString } from './duration.js';

/** A rollout watches at least a few samples' worth of time and at most a day (a workflow timer, not a schedule). */
const RolloutDuration = DurationString({ min: 10_000, max: 86_400_000 });

/** `replace`: the challenger takes over at once (today's hot swap). */
const ReplaceRollout = z.object({ strategy: z.literal('replace') }).strict();

/** `shadow`: the champion answers every request; the challenger gets a copy, its answers logged and compared, never returned. */
const ShadowRollout = z.object({ strategy: z.literal('shadow'), duration: RolloutDuration.default('10m') }).strict();

/**
 * `canary`: `percent` of requests go to the challenger for `duration`; it is promoted when its
 * error rate, p95 latency (and prediction PSI against the champion, when given) stay within
 * bounds, and rolled back at the first sample that breaks one, or at the end when it answered
 * fewer than `min_requests` (too little traffic to judge it).
 */
const CanaryRollout = z
  .object({
    strategy: z.literal('canary'),
    // 0 would be a shadow without the copy, 100 a replace without the checks.
    percent: z.number().int().min(1).max(99),
    duration: RolloutDuration.default('10m'),
    max_error_rate: z.number().min(0).max(1).default(0.01),
    max_p95_ms: z.number().positive().max(600_000).default(50),
    max_prediction_psi: z.number().positive().optional(),
    // Unset: a canary that saw no traffic is promoted on its clean (empty) record, as before.
    min_requests: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .strict();

/** How a new version replaces the serving one (issue 13, progressive delivery). */
export const RolloutSpec = z.discriminatedUnion('strategy', [ReplaceRollout, ShadowRollout, CanaryRollout]);
export type RolloutSpecInput = z.input<typeof RolloutSpec>;
export type RolloutSpec = z.output<typeof RolloutSpec>;
export type CanaryRollout = z.output<typeof CanaryRollout>;
export type RolloutStrategy = RolloutSpec['strategy'];

/** `POST /v1/models/{name}/rollouts`: roll `version` out beside the serving one. */
export const RolloutRequest = z
  .object({
    version: z.number().int().min(1),
    rollout: RolloutSpec,
    /** Who starts it (recorded in the alias history). */
    by: z.string().min(1).max(128).optional().describe('Set by the API to the authenticated caller; a value sent here is replaced'),
  })
  .strict();
export type RolloutRequest = z.output<typeof RolloutRequest>;
