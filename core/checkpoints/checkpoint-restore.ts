import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { checkpointStep, LATEST_POINTER, type CheckpointRef } from './checkpoint-ref.js';

/**
 * The newest checkpoint of a stage: the one a previous attempt heartbeated or the newest
 * stored under `prefix`, whichever is further along. Heartbeats are throttled by the SDK, so
 * the heartbeated one can lag behind the last upload; a worker that died before heartbeating
 * leaves only the store. Undefined when there is none.
 */
export async function findLatestCheckpoint(artifacts: ArtifactStore, prefix: string, heartbeated?: CheckpointRef): Promise<CheckpointRef | undefined> {
  let latest = heartbeated;
  for (const key of await artifacts.list(prefix)) {
    const step = checkpointStep(key.slice(prefix.length + 1));
    if (step !== undefined && step > (latest?.step ?? -1)) latest = { key, step };
  }
  return latest;
}

/**
 * Downloads one checkpoint into `dir` with the SDK's `latest` pointer beside it, the layout
 * `kiln_sdk.load_latest_checkpoint()` reads from KILN_RESUME_CHECKPOINT.
 */
export async function restoreCheckpoint(artifacts: ArtifactStore, checkpoint: CheckpointRef, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = basename(checkpoint.key);
  await artifacts.getToFile(checkpoint.key, join(dir, name));
  await writeFile(join(dir, LATEST_POINTER), `${name}\n`);
  return dir;
}
