import { z } from 'zod';
import { SpecValidationError, type FieldProblem } from '../errors.js';
import { HyperparameterOverrides, Hyperparameters } from './hyperparameters.js';
import { ResourceName } from './names.js';
import { parseSpec } from './parse-spec.js';
import type { ProjectSpec } from './project.js';
import { RunPolicy, RunPolicyOverrides } from './run-policy.js';

/** A request to run a project's pipeline once. */
export const RunRequest = z
  .object({
    project: ResourceName,
    params: HyperparameterOverrides.default({}),
    run_policy: RunPolicyOverrides.default({}),
    /** Stage caching: a stage whose inputs match a completed stage reuses its outputs. */
    cache: z.boolean().default(true),
    /** Who starts it: `manual` from the CLI, `api` (default) from a service. Schedules and watchers set their own. */
    trigger: z.enum(['api', 'manual']).optional(),
    /** Train on this stored source snapshot (a workspace's `kiln workspace snapshot`) instead of a fresh one of `source_dir`. */
    source_snapshot: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a source snapshot digest (64 hex digits)')
      .optional(),
  })
  .strict();
export type RunRequestInput = z.input<typeof RunRequest>;
export type RunRequest = z.output<typeof RunRequest>;

/**
 * The project's default params with a run's overrides applied. Extras must be declared by
 * the project and keep their declared type.
 */
export function resolveParams(project: ProjectSpec, overrides: HyperparameterOverrides): Hyperparameters {
  const problems: FieldProblem[] = [];
  const declared = project.default_params.extras;
  for (const [key, value] of Object.entries(overrides.extras ?? {})) {
    const expected = declared[key];
    if (expected === undefined) {
      const known = Object.keys(declared);
      problems.push({
        path: `params.extras.${key}`,
        message: `not declared by project "${project.name}"${known.length ? ` (declared: ${known.join(', ')})` : ''}`,
      });
    } else if (typeof value !== typeof expected) {
      problems.push({ path: `params.extras.${key}`, message: `expected ${typeof expected}, got ${JSON.stringify(value)}` });
    }
  }
  if (problems.length) throw new SpecValidationError(problems);
  const merged = {
    ...project.default_params,
    ...overrides,
    extras: { ...declared, ...overrides.extras },
  };
  return parseSpec(Hyperparameters, merged, 'params');
}

export function resolvePolicy(project: ProjectSpec, overrides: RunRequest['run_policy']): RunPolicy {
  return parseSpec(RunPolicy, { ...project.run_policy, ...overrides }, 'run_policy');
}
