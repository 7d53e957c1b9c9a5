import { join } from 'node:path';
import { createArtifactStore } from '../../core/artifacts/create-artifact-store.js';
import { homePaths, type KilnConfig } from '../../core/config.js';
import { fetchWorkspaceFiles, parseWorkspaceIoPlan, syncWorkspaceFiles, WORKSPACE_POD_ROOT } from '../../core/workspaces/kubernetes/workspace-files.js';

/**
 * `kiln workspace-io fetch|sync`: the Kiln containers of a workspace pod
 * (core/workspaces/kubernetes/workspace-pod.ts). The plan comes from KILN_WORKSPACE_IO, the store
 * from KILN_ARTIFACTS_URL, the volume root is KILN_WORKSPACE_ROOT (default /kiln/workspace).
 */
export async function runWorkspaceIo(
  config: KilnConfig,
  action: 'fetch' | 'sync',
  env: { plan: string | undefined; root: string | undefined },
): Promise<number> {
  const plan = parseWorkspaceIoPlan(env.plan);
  const root = env.root ?? WORKSPACE_POD_ROOT;
  const artifacts = createArtifactStore({ url: config.artifactsUrl, filesystemRoot: homePaths(config.home).artifacts });
  if (action === 'fetch') {
    await fetchWorkspaceFiles(artifacts, plan, root, join(config.installDir, 'sdk', 'python'));
    return 0;
  }
  // The kubelet stops a native sidecar with SIGTERM once JupyterLab has exited: then the last sync.
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  await syncWorkspaceFiles(artifacts, plan, root, stop.signal);
  process.stderr.write('kiln: workspace files stored\n');
  return 0;
}
