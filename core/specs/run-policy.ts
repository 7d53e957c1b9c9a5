import { z } from 'zod';

/**
 * How each stage of a run is bounded and retried (the seed's run policy).
 * - `timeout_seconds`: wall-clock limit of each stage's process; exceeded ⇒ its process group is killed.
 * - `retry_count_limit`: retries after the first attempt of a failing stage (0 = run once).
 * - `auto_resume`: a retried stage starts from its latest uploaded checkpoint (KILN_RESUME_CHECKPOINT); false: it starts over.
 */
export const RunPolicy = z
  .object({
    timeout_seconds: z.number().int().positive().max(7 * 24 * 3600).default(300),
    retry_count_limit: z.number().int().min(0).max(100).default(0),
    auto_resume: z.boolean().default(false),
  })
  .strict();
export type RunPolicyInput = z.input<typeof RunPolicy>;
export type RunPolicy = z.output<typeof RunPolicy>;
