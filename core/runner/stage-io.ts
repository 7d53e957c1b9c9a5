import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { checkpointStep } from '../checkpoints/checkpoint-ref.js';
import { MissingDataError } from '../errors.js';
import { restoreCheckpoint } from '../checkpoints/checkpoint-restore.js';
import { CheckpointUploader } from '../checkpoints/checkpoint-uploader.js';
import type { StageIoPlan } from '../executors/executor.js';
import { parseSpecJson } from '../specs/parse-spec.js';
import { prepareStageWorkspace } from './stage-workspace.js';
import { workspaceLayout } from './workspace-layout.js';

/*
 * The container side of a Kubernetes stage pod, run by `kiln stage-io fetch` (init container)
 * and `kiln stage-io sync` (native sidecar) with the plan in KILN_STAGE_IO. The stage container
 * in between runs the same `python -m kiln_sdk.stage` as the local executor.
 */

export const StageIoPlanSchema = z
  .object({
    sourceDigest: z.string().min(1),
    datasetPrefix: z.string().min(1),
    upstream: z.record(z.string(), z.string()),
    params: z.unknown(),
    outputPrefix: z.string().min(1),
    checkpointPrefix: z.string().min(1),
    resumeCheckpointKey: z.string().min(1).optional(),
  })
  .strict() satisfies z.ZodType<StageIoPlan>;

export function parseStageIoPlan(json: string | undefined): StageIoPlan {
  return parseSpecJson(StageIoPlanSchema, json, 'KILN_STAGE_IO') as StageIoPlan;
}

/**
 * Init container: the workspace the stage expects, from the artifact store, plus the SDK. Every
 * object the plan names is checked before the workspace is emptied (MissingDataError).
 */
export async function fetchStageInputs(artifacts: ArtifactStore, plan: StageIoPlan, root: string, sdkDir: string): Promise<void> {
  if (plan.resumeCheckpointKey && !(await artifacts.exists(plan.resumeCheckpointKey))) {
    throw new MissingDataError('resumeCheckpointKey', `checkpoint ${plan.resumeCheckpointKey} not found in ${artifacts.description}`);
  }
  const ws = await prepareStageWorkspace(artifacts, root, plan);
  await Promise.all([
    writeFile(ws.paramsFile, JSON.stringify(plan.params)),
    cp(sdkDir, join(root, 'sdk'), { recursive: true }),
    plan.resumeCheckpointKey
      ? restoreCheckpoint(artifacts, { key: plan.resumeCheckpointKey, step: checkpointStep(plan.resumeCheckpointKey.split('/').at(-1)!) ?? 0 }, ws.resumeDir)
      : undefined,
  ]);
}

export interface SyncOptions {
  /** Ends the sync loop: the pod is stopping (SIGTERM after the stage container exited). */
  signal: AbortSignal;
  /** Where kiln_sdk.stage writes its exit code. */
  exitFile: string;
  intervalMs?: number;
}

/**
 * Sidecar: uploads each complete checkpoint while the stage runs; once the stage has exited
 * (its exit file appears, or the pod stops us), uploads the last checkpoints and, only after
 * a successful exit, the outputs. Returns the stage's exit code (undefined if it never wrote one).
 */
export async function syncStageOutputs(artifacts: ArtifactStore, plan: StageIoPlan, root: string, options: SyncOptions): Promise<number | undefined> {
  const ws = workspaceLayout(root);
  const uploader = new CheckpointUploader(artifacts, plan.checkpointPrefix, ws.checkpointDir);
  const readExit = () =>
    readFile(options.exitFile, 'utf8').then(
      (t) => Number(t.trim()),
      () => undefined,
    );
  let exit: number | undefined;
  while (!options.signal.aborted && (exit = await readExit()) === undefined) {
    await uploader.sync().catch(() => undefined);
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs ?? 2_000);
      options.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
    });
  }
  exit ??= await readExit();
  await uploader.finish();
  // Links may point elsewhere in the workspace (a checkpoint), never out of it.
  if (exit === 0) await artifacts.putDirectory(plan.outputPrefix, ws.outputDir, { linksWithin: root });
  return exit;
}
