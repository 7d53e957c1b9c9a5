import { z } from 'zod';
import { AccessName } from './principal.js';

/** A name pattern: `*` matches any run of characters (`fraud-*`). */
const NamePattern = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9*._-]+$/, 'letters, digits, ".", "_", "-" and "*" wildcards');

/**
 * What a binding is limited to. A resource is covered when its project or model matches a
 * pattern or it belongs to one of the teams. No scope at all: every resource.
 */
export const BindingScope = z
  .object({
    projects: z.array(NamePattern).min(1).max(32).optional(),
    models: z.array(NamePattern).min(1).max(32).optional(),
    teams: z.array(AccessName).min(1).max(32).optional(),
  })
  .strict()
  .refine((s) => s.projects || s.models || s.teams, { message: 'name at least one of projects, models, teams (or leave scope out for every resource)' });
export type BindingScope = z.infer<typeof BindingScope>;

export type ResourceKind = 'environment' | 'dataset' | 'project' | 'run' | 'model' | 'schedule' | 'experiment' | 'workspace';

/** A resource as access control sees it: what scopes can match on. */
export interface ResourceRef {
  kind: ResourceKind;
  name: string;
  /** The project it belongs to (a project is its own). */
  project?: string;
  /** The model it concerns (a run's or project's registered model). */
  model?: string;
  /** Its team: a project's, dataset's or environment's own; that of the project for the rest. */
  team?: string | null;
  /** Not registered yet: the request creates it, for the caller's team. */
  isNew?: boolean;
}

export function scopeCovers(scope: BindingScope | null, resource: ResourceRef): boolean {
  if (!scope) return true;
  if (scope.teams && resource.team && scope.teams.includes(resource.team)) return true;
  if (scope.projects && resource.project !== undefined && scope.projects.some((p) => globMatches(p, resource.project!))) return true;
  return !!scope.models && resource.model !== undefined && scope.models.some((p) => globMatches(p, resource.model!));
}

function globMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.]/g, '\\.'))
      .join('.*')}$`,
  );
  return regex.test(name);
}
