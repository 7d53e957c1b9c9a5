import { z } from 'zod';
import { ImageReference } from './image-reference.js';
import { LIMITS } from './limits.js';
import { ResourceName } from './names.js';

/**
 * A pip requirement (`scikit-learn==1.5.2`, `numpy>=1.26`): a project name, extras and version
 * clauses only. Each is passed to `uv pip install` (and pip in an image build) as one argument,
 * so options (`--index-url`, `-e`), URLs, paths and markers are refused: builds stay
 * reproducible and a spec cannot point the installer elsewhere. Spaces and tabs only, no line breaks.
 */
const Requirement = z
  .string()
  .trim()
  .max(LIMITS.dependency, `must be at most ${LIMITS.dependency} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?[ \t]*((==|>=|<=|~=|!=|>|<)[ \t]*[A-Za-z0-9.*+!_-]+[ \t]*,?[ \t]*)*$/,
    'must be a PyPI requirement such as "scikit-learn==1.5.2"',
  );

/** A module to import before a stage starts (`numpy`, `sklearn.linear_model`): dotted Python identifiers. */
const ModuleName = z
  .string()
  .max(LIMITS.warmImport, `must be at most ${LIMITS.warmImport} characters`)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'must be a Python module name such as "numpy" or "sklearn.linear_model"');

/**
 * Environment: what a stage runs in, built once and keyed by its spec digest (see
 * environment-digest.ts), kept apart from project runs so training never waits on a build
 * of a spec that is already built. Seed `WorkspaceCreate` fields live here, except the run
 * policy ones (see run-policy.ts).
 */
export const EnvironmentSpec = z
  .object({
    name: ResourceName,
    description: z.string().max(LIMITS.text).optional(),
    /** `major.minor` (or `major.minor.patch`); the local runtime needs a matching interpreter. */
    python_version: z.string().regex(/^3\.\d{1,2}(\.\d{1,3})?$/, 'must look like "3.11" or "3.11.7"'),
    /** Container image the Kubernetes executor builds on; the local executor records it only. */
    base_image: ImageReference.default('python:3.11-slim'),
    dependencies: z.array(Requirement).max(LIMITS.dependencies).default([]),
    /**
     * Modules a local stage finds already imported: the environment's fork server imports them
     * once and forks each stage from it (warm start; a project opts out with `warm_start: false`).
     * A runtime setting: not part of the build spec or its digest. Default none: stages start cold.
     */
    warm_imports: z.array(ModuleName).max(LIMITS.warmImports, `must list at most ${LIMITS.warmImports} modules`).optional(),
    /** CPU cores (fractions allowed, down to a millicore), as a Kubernetes limit. */
    cpu_limit: z.number().min(LIMITS.cpuCores.min).max(LIMITS.cpuCores.max).optional(),
    /** Memory limit in MiB. */
    memory_limit: z.number().int().min(LIMITS.memoryMiB.min).max(LIMITS.memoryMiB.max).optional(),
    use_gpu: z.boolean().default(false),
    max_used_gpu: z.number().int().positive().max(LIMITS.gpus).optional(),
    /** The environment a project uses when it names none. At most one is default. */
    is_default: z.boolean().default(false),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.max_used_gpu !== undefined && !spec.use_gpu) {
      ctx.addIssue({ code: 'custom', path: ['max_used_gpu'], input: spec.max_used_gpu, message: 'set use_gpu: true to request GPUs' });
    }
  });
export type EnvironmentSpecInput = z.input<typeof EnvironmentSpec>;
export type EnvironmentSpec = z.output<typeof EnvironmentSpec>;

/** The subset of an environment that decides what gets built; its digest keys builds. */
export interface EnvironmentBuildSpec {
  python_version: string;
  base_image: string;
  dependencies: string[];
}

export function buildSpecOf(spec: EnvironmentSpec): EnvironmentBuildSpec {
  return {
    python_version: spec.python_version,
    base_image: spec.base_image,
    // pip resolves a set, so order and spacing must not change the digest.
    dependencies: [...new Set(spec.dependencies.map((d) => d.replace(/\s+/g, '')))].sort(),
  };
}
