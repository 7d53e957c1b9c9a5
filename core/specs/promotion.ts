import { z } from 'zod';
import { DurationString } from './duration.js';

/**
 * How a version that passed the validation gate becomes champion (the version that serves).
 * - `mode`: `auto` promotes a winner at once; `manual` waits for `kiln model approve|reject`.
 * - `compare_to_champion`: the challenger must beat the champion on `metric` by at least
 *   `min_delta`, both evaluated on the challenger's test split. Absent: every version that
 *   passes the gate wins.
 * - `approval_timeout`: in manual mode, no decision within this long rejects the challenger.
 */
export const PromotionPolicy = z
  .object({
    mode: z.enum(['auto', 'manual']).default('auto'),
    compare_to_champion: z
      .object({
        metric: z.string().min(1).max(128),
        direction: z.enum(['max', 'min']).default('max'),
        min_delta: z.number().min(0).default(0),
      })
      .strict()
      .optional(),
    approval_timeout: DurationString({ min: 1000, max: 30 * 86_400_000 }).default('24h'),
  })
  .strict();
export type PromotionPolicyInput = z.input<typeof PromotionPolicy>;
export type PromotionPolicy = z.output<typeof PromotionPolicy>;

/** What starts a project's runs besides people and schedules. */
export const ProjectTrigger = z
  .object({
    /** Start a run whenever the project's dataset gets a new version (the dataset must declare `watch`). */
    on_new_data: z.boolean().default(false),
  })
  .strict();
export type ProjectTrigger = z.output<typeof ProjectTrigger>;

/** Why a run started: recorded on the run and as the KilnTrigger search attribute. */
export const TRIGGER_KINDS = ['schedule', 'new_data', 'drift', 'manual', 'api'] as const;
export const TriggerKind = z.enum(TRIGGER_KINDS);
export type TriggerKind = z.infer<typeof TriggerKind>;

/** Alias names: `champion` is what serves, `challenger` a version that did not win; users add others. */
export const AliasName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or dashes, starting with a letter');
export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';
