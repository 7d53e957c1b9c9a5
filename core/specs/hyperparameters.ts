import { z } from 'zod';

const ExtraValue = z.union([z.number(), z.string(), z.boolean()]);
export type ExtraValue = z.infer<typeof ExtraValue>;

/**
 * The one parameter schema shared by every model. Model-specific values go in `extras`;
 * a project declares its extras (with defaults) and a run may only override declared ones,
 * with the same type, so a typo fails before anything starts.
 */
export const Hyperparameters = z
  .object({
    learning_rate: z.number().positive().default(0.01),
    batch_size: z.number().int().positive().default(32),
    epochs: z.number().int().positive().default(10),
    seed: z.number().int().min(0).default(42),
    extras: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), ExtraValue).default({}),
  })
  .strict();
export type Hyperparameters = z.output<typeof Hyperparameters>;

/** Parameters a run overrides: any subset of the project's, same types. */
export const HyperparameterOverrides = z
  .object({
    learning_rate: z.number().positive(),
    batch_size: z.number().int().positive(),
    epochs: z.number().int().positive(),
    seed: z.number().int().min(0),
    extras: z.record(z.string(), ExtraValue),
  })
  .partial()
  .strict();
export type HyperparameterOverrides = z.output<typeof HyperparameterOverrides>;
