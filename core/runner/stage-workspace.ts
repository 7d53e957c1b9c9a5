import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { sourceSnapshotPrefix } from '../artifacts/artifact-keys.js';
import { MissingDataError } from '../errors.js';
import { restoreSource } from '../snapshots/source-snapshot.js';
import { DATASET_FILES } from './run-contract.js';
import { workspaceLayout, type StageWorkspace } from './workspace-layout.js';

export type { StageWorkspace };

/**
 * Materialises what a stage reads, from the artifact store only, into a fresh directory:
 * the source snapshot, the dataset version's train, test and manifest, and upstream stages'
 * outputs (the seeds' init step).
 * The local executor's worker and a Kubernetes pod's init container (stage-io.ts) both use it.
 */
export async function prepareStageWorkspace(artifacts: ArtifactStore, root: string, input: StageInputs): Promise<StageWorkspace> {
  // Checked before the root is emptied: a plan naming something gone leaves the workspace as it was.
  await checkStageInputs(artifacts, input);
  // Emptied, not removed: in a pod the root is a volume's mount point, which cannot be deleted.
  await mkdir(root, { recursive: true });
  await Promise.all((await readdir(root)).map((entry) => rm(join(root, entry), { recursive: true, force: true })));
  const ws = workspaceLayout(root);
  await Promise.all([mkdir(ws.outputDir, { recursive: true }), mkdir(ws.checkpointDir, { recursive: true })]);
  await Promise.all([
    restoreSource(artifacts, input.sourceDigest, ws.sourceDir),
    // The run contract's files only: not the version's copy of its source (as large as the dataset) or its profile.
    ...Object.values(DATASET_FILES).map((file) => artifacts.getToFile(`${input.datasetPrefix}/${file}`, join(ws.datasetDir, file))),
    ...Object.entries(input.upstream).map(([stage, prefix]) => artifacts.getDirectory(prefix, join(ws.inputsDir, stage))),
  ]);
  return ws;
}

export interface StageInputs {
  sourceDigest: string;
  datasetPrefix: string;
  /** Upstream stage name → artifact prefix of its outputs. */
  upstream: Readonly<Record<string, string>>;
}

/**
 * Rejects with MissingDataError (field `sourceDigest` or `datasetPrefix`) when the source
 * snapshot or the dataset version is not complete in the store: their manifests are written
 * last. Upstream outputs are listed, which proves the store answers, but may be empty (a stage
 * that wrote no outputs stores none).
 */
export async function checkStageInputs(artifacts: ArtifactStore, input: StageInputs): Promise<void> {
  const required: [field: string, key: string, what: string][] = [
    ['sourceDigest', `${sourceSnapshotPrefix(input.sourceDigest)}/manifest.json`, `source snapshot ${input.sourceDigest}`],
    ['datasetPrefix', `${input.datasetPrefix}/dataset.json`, `dataset version ${input.datasetPrefix}`],
  ];
  const found = await Promise.all(required.map(([, key]) => artifacts.exists(key)));
  await Promise.all(Object.values(input.upstream).map((prefix) => artifacts.list(prefix)));
  const missing = required.filter((_, i) => !found[i]);
  if (missing.length > 0)
    throw new MissingDataError(missing[0]![0], `${missing.map(([, , what]) => what).join(' and ')} not found in ${artifacts.description}`);
}
