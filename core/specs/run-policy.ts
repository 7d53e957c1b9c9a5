import { z } from 'zod';

/**
 * How each stage of a run is bounded and retried (the seed's run policy).
 * - `timeout_seconds`: wall-clock limit of each stage's process; exceeded ⇒ its process group is killed.
 * - `retry_count_limit`: retries after the first attempt of a failing stage (0 = run once).
 * - `auto_resume`: a retried stage starts from its latest uploaded checkpoint (KILN_RESUME_CHECKPOINT); false: it starts over.
 */
const fields = {
  timeout_seconds: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600),
  retry_count_limit: z.number().int().min(0).max(100),
  auto_resume: z.boolean(),
};

export const RunPolicy = z
  .object({
    timeout_seconds: fields.timeout_seconds.default(300),
    retry_count_limit: fields.retry_count_limit.default(0),
    auto_resume: fields.auto_resume.default(false),
  })
  .strict();
export type RunPolicyInput = z.input<typeof RunPolicy>;
export type RunPolicy = z.output<typeof RunPolicy>;

/**
 * The fields a run (or a schedule) overrides, and only those: no defaults, so an override of
 * one field leaves the project's others as they are.
 */
export const RunPolicyOverrides = z.object(fields).partial().strict();
export type RunPolicyOverrides = z.output<typeof RunPolicyOverrides>;
