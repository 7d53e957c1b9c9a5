import { EnvironmentUnavailableError } from '../errors.js';
import type { WorkspaceHosting } from './workspace-hosting.js';

/** Workspaces on Kubernetes (a Pod and a Service per workspace) are not built yet: every request is refused naming `kind`. */
export function unavailableClusterWorkspaces(maxGpus: number): WorkspaceHosting {
  const refuse = async (): Promise<never> => {
    throw new EnvironmentUnavailableError('kind', 'workspaces do not run on the kubernetes platform yet');
  };
  return {
    kinds: [],
    maxGpus,
    prepare: refuse,
    start: refuse,
    probe: refuse,
    stop: refuse,
    remove: refuse,
    sourceDir: () => {
      throw new EnvironmentUnavailableError('kind', 'workspaces do not run on the kubernetes platform yet');
    },
  };
}
