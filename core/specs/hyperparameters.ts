import { z } from 'zod';
import { LIMITS } from './limits.js';

const ExtraValue = z.union([z.number(), z.string().max(LIMITS.extraString), z.boolean()]);
const ExtraName = z.string().max(LIMITS.extraName);
/** Declared or overridden extras: at most LIMITS.extras of them. */
const extrasOf = (key: z.ZodString) =>
  z.record(key, ExtraValue).refine((extras) => Object.keys(extras).length <= LIMITS.extras, `at most ${LIMITS.extras} extras`);
export type ExtraValue = z.infer<typeof ExtraValue>;

/**
 * The one parameter schema shared by every model. Model-specific values go in `extras`;
 * a project declares its extras (with defaults) and a run may only override declared ones,
 * with the same type, so a typo fails before anything starts.
 */
export const Hyperparameters = z
  .object({
    learning_rate: z.number().positive().default(0.01),
    batch_size: z.number().int().positive().max(LIMITS.batchSize).default(32),
    epochs: z.number().int().positive().max(LIMITS.epochs).default(10),
    seed: z.number().int().min(0).max(LIMITS.seed).default(42),
    extras: extrasOf(ExtraName.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default({}),
  })
  .strict();
export type Hyperparameters = z.output<typeof Hyperparameters>;

/** Parameters a run overrides: any subset of the project's, same types. */
export const HyperparameterOverrides = z
  .object({
    learning_rate: z.number().positive(),
    batch_size: z.number().int().positive().max(LIMITS.batchSize),
    epochs: z.number().int().positive().max(LIMITS.epochs),
    seed: z.number().int().min(0).max(LIMITS.seed),
    extras: extrasOf(ExtraName),
  })
  .partial()
  .strict();
export type HyperparameterOverrides = z.output<typeof HyperparameterOverrides>;
