import { join } from 'node:path';
import { createArtifactStore } from '../../core/artifacts/create-artifact-store.js';
import { homePaths, type KilnConfig } from '../../core/config.js';
import { EXIT_FILE, POD_WORKSPACE } from '../../core/executors/kubernetes/stage-job.js';
import { fetchStageInputs, parseStageIoPlan, syncStageOutputs } from '../../core/runner/stage-io.js';

/**
 * `kiln stage-io fetch|sync`: the init container and sidecar of a Kubernetes stage pod
 * (core/executors/kubernetes/stage-job.ts). The plan comes from KILN_STAGE_IO, the store from
 * KILN_ARTIFACTS_URL, the workspace is KILN_STAGE_ROOT (default /kiln/workspace).
 */
export async function runStageIo(config: KilnConfig, action: 'fetch' | 'sync', env: { plan: string | undefined; root: string | undefined }): Promise<number> {
  const plan = parseStageIoPlan(env.plan);
  const root = env.root ?? POD_WORKSPACE;
  const artifacts = createArtifactStore({ url: config.artifactsUrl, filesystemRoot: homePaths(config.home).artifacts });
  if (action === 'fetch') {
    await fetchStageInputs(artifacts, plan, root, join(config.installDir, 'sdk', 'python'));
    return 0;
  }
  // The kubelet stops a native sidecar with SIGTERM once the stage container has exited.
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const exit = await syncStageOutputs(artifacts, plan, root, { signal: stop.signal, exitFile: root === POD_WORKSPACE ? EXIT_FILE : join(root, '.kiln-exit') });
  process.stderr.write(`kiln: stage exited ${exit ?? 'without an exit code'}; checkpoints${exit === 0 ? ' and outputs' : ''} stored\n`);
  return 0;
}
