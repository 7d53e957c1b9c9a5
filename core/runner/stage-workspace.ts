import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { restoreSource } from '../snapshots/source-snapshot.js';
import { workspaceLayout, type StageWorkspace } from './workspace-layout.js';

export type { StageWorkspace };

/**
 * Materialises what a stage reads, from the artifact store only, into a fresh directory:
 * the source snapshot, the dataset version and upstream stages' outputs (the seeds' init step).
 * The local executor's worker and a Kubernetes pod's init container (stage-io.ts) both use it.
 */
export async function prepareStageWorkspace(
  artifacts: ArtifactStore,
  root: string,
  input: { sourceDigest: string; datasetPrefix: string; /** Upstream stage name → artifact prefix of its outputs. */ upstream: Readonly<Record<string, string>> },
): Promise<StageWorkspace> {
  // Emptied, not removed: in a pod the root is a volume's mount point, which cannot be deleted.
  await mkdir(root, { recursive: true });
  await Promise.all((await readdir(root)).map((entry) => rm(join(root, entry), { recursive: true, force: true })));
  const ws = workspaceLayout(root);
  await Promise.all([mkdir(ws.outputDir, { recursive: true }), mkdir(ws.checkpointDir, { recursive: true })]);
  await Promise.all([
    restoreSource(artifacts, input.sourceDigest, ws.sourceDir),
    artifacts.getDirectory(input.datasetPrefix, ws.datasetDir),
    ...Object.entries(input.upstream).map(([stage, prefix]) => artifacts.getDirectory(prefix, join(ws.inputsDir, stage))),
  ]);
  return ws;
}
