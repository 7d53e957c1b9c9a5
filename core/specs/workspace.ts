import { z } from 'zod';
import { DurationString } from './duration.js';
import { LIMITS } from './limits.js';
import { ResourceName } from './names.js';

/** The shortest idle timeout a user may ask for: a server culled sooner would stop under a thinking user. */
export const MIN_IDLE_TIMEOUT_MS = 60_000;

/** The interactive servers a workspace can run; a platform says which it can host. */
export const WORKSPACE_KINDS = ['jupyterlab', 'code-server'] as const;
export type WorkspaceKind = (typeof WORKSPACE_KINDS)[number];

/** What a workspace's server may hold; each unset field comes from the environment's limits. */
export const WorkspaceResources = z
  .object({
    /** CPU cores (fractions allowed). */
    cpu: z.number().min(LIMITS.cpuCores.min).max(LIMITS.cpuCores.max).optional(),
    /** Memory in MiB. */
    memory: z.number().int().min(LIMITS.memoryMiB.min).max(LIMITS.memoryMiB.max).optional(),
    gpus: z.number().int().min(0).max(LIMITS.gpus).optional(),
  })
  .strict();
export type WorkspaceResources = z.infer<typeof WorkspaceResources>;

/**
 * A workspace (issue 17): an interactive server (JupyterLab by default) in a project's
 * environment with its source and dataset copied in, or in a bare environment. It stops after
 * `idle_timeout` without activity and at `max_lifetime`; its files survive stop and start.
 */
export const WorkspaceSpec = z
  .object({
    name: ResourceName,
    /** The project whose source and dataset are copied in and whose environment it runs in. */
    project: ResourceName.optional(),
    /** The environment to run in: instead of a project, or to override the project's. */
    environment: ResourceName.optional(),
    kind: z.enum(WORKSPACE_KINDS).default('jupyterlab'),
    resources: WorkspaceResources.default({}),
    /** Stop after this long without activity (default 30m, at least 1m). */
    idle_timeout: DurationString({ min: MIN_IDLE_TIMEOUT_MS }).default('30m'),
    /** Stop this long after each start, active or not; default never. */
    max_lifetime: DurationString({ min: MIN_IDLE_TIMEOUT_MS }).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!spec.project && !spec.environment) {
      ctx.addIssue({ code: 'custom', path: ['project'], input: undefined, message: 'name a project (or an environment to run in without one)' });
    }
  });
export type WorkspaceSpecInput = z.input<typeof WorkspaceSpec>;
export type WorkspaceSpec = z.output<typeof WorkspaceSpec>;

/** What a workspace's server gets once the environment's limits fill what the spec leaves out. */
export interface WorkspaceLimits {
  cpu: number | null;
  memory: number | null;
  gpus: number;
}

export function workspaceLimits(
  spec: WorkspaceSpec,
  environment: { cpu_limit?: number; memory_limit?: number; use_gpu: boolean; max_used_gpu?: number },
): WorkspaceLimits {
  return {
    cpu: spec.resources.cpu ?? environment.cpu_limit ?? null,
    memory: spec.resources.memory ?? environment.memory_limit ?? null,
    gpus: spec.resources.gpus ?? (environment.use_gpu ? (environment.max_used_gpu ?? 1) : 0),
  };
}
