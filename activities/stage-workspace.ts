import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import { workspaceLayout, type StageWorkspace } from '../core/runner/workspace-layout.js';
import { restoreSource } from '../core/snapshots/source-snapshot.js';

export type { StageWorkspace };

/**
 * Materialises what a stage reads, from the artifact store only, into a fresh directory:
 * the source snapshot, the dataset version and upstream stages' outputs (the seeds' init step).
 */
export async function prepareStageWorkspace(
  artifacts: ArtifactStore,
  root: string,
  input: { runId: string; sourceDigest: string; datasetPrefix: string; upstream: readonly string[]; upstreamRunIds?: Partial<Record<string, string>> },
): Promise<StageWorkspace> {
  await rm(root, { recursive: true, force: true });
  const ws = workspaceLayout(root);
  await Promise.all([mkdir(ws.outputDir, { recursive: true }), mkdir(ws.checkpointDir, { recursive: true })]);
  await Promise.all([
    restoreSource(artifacts, input.sourceDigest, ws.sourceDir),
    artifacts.getDirectory(input.datasetPrefix, ws.datasetDir),
    // A resumed or cached upstream's outputs stay where its own run wrote them.
    ...input.upstream.map((stage) => artifacts.getDirectory(stageOutputPrefix(input.upstreamRunIds?.[stage] ?? input.runId, stage), join(ws.inputsDir, stage))),
  ]);
  return ws;
}
