import type { EnvironmentSpec } from '../specs/environment.js';
import type { ProjectSpec } from '../specs/project.js';

/**
 * The modules a run's stages may find preloaded (a warm start on the local platform): the
 * environment's `warm_imports`, unless the project opts out with `warm_start: false`. Undefined:
 * stages start cold. Pure, so workflows can call it; specs from older histories lack both fields.
 */
export function stageWarmImports(project: Pick<ProjectSpec, 'warm_start'>, environment: Pick<EnvironmentSpec, 'warm_imports'>): string[] | undefined {
  if (project.warm_start === false || !environment.warm_imports?.length) return undefined;
  return [...environment.warm_imports];
}
