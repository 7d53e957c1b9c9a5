import { z } from 'zod';
import { LIMITS } from './limits.js';
import { ResourceName } from './names.js';

/** A parameter an experiment tunes: a top-level hyperparameter or a declared extra. */
const ParamPath = z
  .string()
  .regex(/^(learning_rate|batch_size|epochs|seed|extras\.[A-Za-z_][A-Za-z0-9_]*)$/, 'must be learning_rate, batch_size, epochs, seed or extras.<name>');

/** Top-level hyperparameters have fixed types (see hyperparameters.ts); extras take any. */
const TOP_LEVEL: Record<string, { integer: boolean; least: number; exclusive: boolean }> = {
  learning_rate: { integer: false, least: 0, exclusive: true },
  batch_size: { integer: true, least: 1, exclusive: false },
  epochs: { integer: true, least: 1, exclusive: false },
  seed: { integer: true, least: 0, exclusive: false },
};

/** Grid search materializes nothing but still iterates its points; beyond this it never finishes. */
export const MAX_GRID_POINTS = 10_000;

/**
 * Validates the discriminator with an enum first, so an unknown value reads
 * `expected one of "grid", "random", …` instead of zod's bare "Invalid input".
 */
function tagged<K extends string, T extends readonly [string, ...string[]], U extends z.ZodType<unknown, any>>(key: K, values: T, union: U) {
  return z.looseObject({ [key]: z.enum(values) } as Record<K, z.ZodEnum<{ [V in T[number]]: V }>>).pipe(union);
}

const range = <T extends 'double' | 'int'>(type: T) => {
  const bound = type === 'int' ? z.number().int() : z.number();
  return z
    .object({
      name: ParamPath,
      type: z.literal(type),
      min: bound,
      max: bound,
      /** Sample (and space grid points) uniformly in log(value); needs min > 0. */
      log: z.boolean().default(false),
    })
    .strict();
};

export const PARAMETER_TYPES = ['double', 'int', 'categorical', 'discrete'] as const;
export const ExperimentParameter = tagged(
  'type',
  PARAMETER_TYPES,
  z.discriminatedUnion('type', [
    range('double'),
    range('int'),
    z
      .object({
        name: ParamPath,
        type: z.literal('categorical'),
        values: z.array(z.string().min(1).max(LIMITS.extraString)).min(1).max(LIMITS.parameterValues),
      })
      .strict(),
    z.object({ name: ParamPath, type: z.literal('discrete'), values: z.array(z.number()).min(1).max(LIMITS.parameterValues) }).strict(),
  ]),
);
export type ExperimentParameter = z.output<typeof ExperimentParameter>;

export const ALGORITHMS = ['grid', 'random', 'tpe', 'hyperband'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];
export const SearchAlgorithmSpec = tagged(
  'name',
  ALGORITHMS,
  z.discriminatedUnion('name', [
    z
      .object({
        name: z.literal('grid'),
        /** Points per double parameter (ends included); for an int, rounded points instead of every integer. */
        settings: z
          .object({ steps: z.number().int().min(2).max(1000).optional() })
          .strict()
          .default({}),
      })
      .strict(),
    z.object({ name: z.literal('random'), settings: z.object({}).strict().default({}) }).strict(),
    z
      .object({
        name: z.literal('tpe'),
        settings: z
          .object({
            /** Random trials before the model is used. */
            n_startup: z.number().int().min(1).default(10),
            /** Fraction of observations (the best ones) that form the "good" density l(x). */
            gamma: z.number().gt(0).lt(1).default(0.25),
            /** Draws from l(x) per suggestion; the one with the largest l(x)/g(x) wins. */
            candidates: z.number().int().min(1).max(1000).default(24),
          })
          .strict()
          .default({ n_startup: 10, gamma: 0.25, candidates: 24 }),
      })
      .strict(),
    z
      .object({
        name: z.literal('hyperband'),
        settings: z
          .object({
            /** The int parameter that carries the budget (epochs, typically). */
            resource_parameter: ParamPath,
            /** R: the most resource one trial gets; defaults to the resource parameter's max. */
            max_resource: z.number().int().positive().optional(),
            /** Keep 1/eta of each rung; the next rung gets eta times the resource. */
            eta: z.number().int().min(2).max(100).default(3),
          })
          .strict(),
      })
      .strict(),
  ]),
);
export type SearchAlgorithmSpec = z.output<typeof SearchAlgorithmSpec>;

/**
 * Experiment: tunes a project's hyperparameters by running its train+evaluate stages as
 * trials (Katib-style), suggestions from `algorithm`, optionally early-stopping bad trials.
 */
export const ExperimentSpec = z
  .object({
    name: ResourceName,
    description: z.string().max(LIMITS.text).optional(),
    /** The project whose train and evaluate stages each trial runs. */
    project: ResourceName,
    objective: z
      .object({
        /** A metric the evaluate stage logs (its last value counts). */
        metric: z.string().min(1).max(LIMITS.metricName),
        goal: z.enum(['maximize', 'minimize']),
        /** Reaching it (per goal) ends the experiment early. */
        target: z.number().optional(),
      })
      .strict(),
    parameters: z.array(ExperimentParameter).min(1).max(50),
    algorithm: SearchAlgorithmSpec,
    parallel_trial_count: z.number().int().min(1).max(100).default(3),
    max_trial_count: z.number().int().min(1).max(LIMITS.trials).default(12),
    max_failed_trial_count: z.number().int().min(0).max(LIMITS.trials).default(3),
    early_stopping: z
      .object({
        algorithm: z.enum(['medianstop']),
        /** Completed trials that must have reached a step before a running trial is judged there. */
        min_trials_required: z.number().int().min(1).default(3),
        /** No trial is stopped before this step. */
        start_step: z.number().int().min(0).default(1),
      })
      .strict()
      .optional(),
    /** Seeds every suggestion: the same spec and results give the same trials. */
    seed: z.number().int().min(0).default(1),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const issue = (path: PropertyKey[], message: string, input?: unknown) => ctx.addIssue({ code: 'custom', path, message, input });
    if (spec.parallel_trial_count > spec.max_trial_count) {
      issue(['parallel_trial_count'], `must be at most max_trial_count (${spec.max_trial_count})`, spec.parallel_trial_count);
    }
    const firstIndex = new Map<string, number>();
    spec.parameters.forEach((p, i) => {
      const earlier = firstIndex.get(p.name);
      if (earlier !== undefined) issue(['parameters', i, 'name'], `duplicate of parameters[${earlier}]`, p.name);
      else firstIndex.set(p.name, i);
      for (const [field, message] of parameterProblems(p)) issue(['parameters', i, field], message, p[field as keyof typeof p]);
    });
    for (const [path, message, input] of algorithmProblems(spec.algorithm, spec.parameters)) issue(['algorithm', ...path], message, input);
  });
export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;
export type ExperimentSpec = z.output<typeof ExperimentSpec>;

/** Field and message of each rule a single parameter breaks. */
function parameterProblems(p: ExperimentParameter): [string, string][] {
  const problems: [string, string][] = [];
  const top = TOP_LEVEL[p.name];
  if (p.type === 'double' || p.type === 'int') {
    if (!(p.max > p.min)) problems.push(['max', `must be greater than min ${p.min}`]);
    if (p.log && p.min <= 0) problems.push(['min', 'must be positive on a log scale']);
  } else if (new Set<unknown>(p.values).size !== p.values.length) {
    problems.push(['values', 'must not repeat a value']);
  }
  if (!top) return problems;
  if (p.type === 'categorical') return [...problems, ['type', `${p.name} is a number: use ${top.integer ? 'int or discrete' : 'double or discrete'}`]];
  if (top.integer && p.type === 'double') return [...problems, ['type', `${p.name} takes integers: use int or discrete`]];
  const values = p.type === 'discrete' ? p.values : [p.min];
  const field = p.type === 'discrete' ? 'values' : 'min';
  if (top.integer && !values.every(Number.isInteger)) problems.push([field, `${p.name} takes integers`]);
  if (values.some((v) => (top.exclusive ? v <= top.least : v < top.least))) {
    problems.push([field, `${p.name} must be ${top.exclusive ? 'greater than' : 'at least'} ${top.least}`]);
  }
  return problems;
}

/** Path (under `algorithm`), message and offending value of each rule the algorithm's settings break for these parameters. */
function algorithmProblems(algorithm: SearchAlgorithmSpec, parameters: readonly ExperimentParameter[]): [PropertyKey[], string, unknown][] {
  if (algorithm.name === 'grid') {
    const { steps } = algorithm.settings;
    let points = 1;
    for (const p of parameters) {
      if (p.type === 'double' && steps === undefined)
        return [[['settings'], `needs steps for grid search over the double parameter ${p.name}`, algorithm.settings]];
      points *= p.type === 'double' ? (steps ?? 0) : p.type === 'int' ? Math.min(steps ?? Infinity, p.max - p.min + 1) : p.values.length;
    }
    return points > MAX_GRID_POINTS ? [[[], `grid must have at most ${MAX_GRID_POINTS} points: use fewer steps or values`, points]] : [];
  }
  if (algorithm.name === 'hyperband') {
    const { resource_parameter: name, max_resource: maxResource } = algorithm.settings;
    const resource = parameters.find((p) => p.name === name);
    if (!resource) return [[['settings', 'resource_parameter'], `must name one of the parameters (${parameters.map((p) => p.name).join(', ')})`, name]];
    if (resource.type !== 'int') return [[['settings', 'resource_parameter'], `must name an int parameter; ${name} is ${resource.type}`, name]];
    if (maxResource !== undefined && (maxResource < resource.min || maxResource > resource.max)) {
      return [[['settings', 'max_resource'], `must lie within ${name}'s range ${resource.min}..${resource.max}`, maxResource]];
    }
  }
  return [];
}
