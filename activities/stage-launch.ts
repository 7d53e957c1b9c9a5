import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointPrefix, stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import type { CheckpointRef } from '../core/checkpoints/checkpoint-ref.js';
import { findLatestCheckpoint, restoreCheckpoint } from '../core/checkpoints/checkpoint-restore.js';
import { CheckpointUploader } from '../core/checkpoints/checkpoint-uploader.js';
import { homePaths } from '../core/config.js';
import { EnvironmentUnavailableError } from '../core/errors.js';
import type { StageProcessSpec } from '../core/executors/executor.js';
import { stageEnvironment } from '../core/runner/stage-environment.js';
import { prepareStageWorkspace } from '../core/runner/stage-workspace.js';
import type { ActivityDeps } from './activity-deps.js';
import { stepOf } from './stage-step.js';
import type { StageInput } from './stages.js';

/** One attempt, ready for the executor: how to start it, and its checkpoints and outputs around it. */
export interface StageLaunch {
  spec: Omit<StageProcessSpec, 'signal'>;
  /** The checkpoint this attempt resumes from (auto_resume retries only). */
  resumed: CheckpointRef | undefined;
  /** The newest checkpoint in the store; `sync` looks again, `finish` once the stage has ended. */
  checkpoints: { readonly latest: CheckpointRef | undefined; sync(): Promise<CheckpointRef | undefined>; finish(): Promise<CheckpointRef | undefined> };
  /** After a successful exit: puts the outputs in the store (a remote executor's pod already did). */
  storeOutputs(): Promise<unknown>;
  /** After success: frees the local workspace. A failed attempt's stays for inspection. */
  cleanUp(): void;
}

interface LaunchContext {
  input: StageInput;
  attempt: number;
  /** The checkpoint the previous attempt heartbeated, if any. */
  heartbeated: CheckpointRef | undefined;
  upstream: Record<string, string>;
}

/** The newest stored checkpoint, for attempts that resume (auto_resume and attempt > 1). */
async function resumePoint(artifacts: ArtifactStore, { input, attempt, heartbeated }: LaunchContext): Promise<CheckpointRef | undefined> {
  if (!input.autoResume || attempt === 1) return undefined;
  return findLatestCheckpoint(artifacts, checkpointPrefix(input.runId, stepOf(input)), heartbeated);
}

/** The stage runs on this machine: its workspace is prepared here, and its checkpoints and outputs uploaded from here. */
export async function launchLocally(deps: ActivityDeps, context: LaunchContext): Promise<StageLaunch> {
  const { artifacts, environments, config, sdkDir } = deps;
  const { input, attempt } = context;
  const built = environments.locate(input.environmentDigest);
  if (!built) throw new EnvironmentUnavailableError('environment', `environment ${input.environmentDigest.slice(0, 12)} is not built on this worker`);
  const root = join(homePaths(config.home).work, input.runId, `${stepOf(input)}-${attempt}`);
  const ws = await prepareStageWorkspace(artifacts, root, { ...input, upstream: context.upstream });
  await writeFile(ws.paramsFile, JSON.stringify(input.params));
  const resumed = await resumePoint(artifacts, context);
  if (resumed) await restoreCheckpoint(artifacts, resumed, ws.resumeDir);
  const uploader = new CheckpointUploader(artifacts, checkpointPrefix(input.runId, stepOf(input)), ws.checkpointDir, resumed);
  return {
    spec: {
      id: `${input.runId}/${stepOf(input)}/${attempt}`,
      command: [built.pythonExecutable, '-m', 'kiln_sdk.stage'],
      workingDirectory: ws.sourceDir,
      env: stageEnvironment({ built, sdkDir, ws, runId: input.runId, stage: input.stage, attempt, entrypoint: input.entrypoint, resumeDir: resumed ? ws.resumeDir : undefined }),
      timeoutMs: input.timeoutSeconds * 1000,
    },
    resumed,
    checkpoints: uploader,
    storeOutputs: () => artifacts.putDirectory(stageOutputPrefix(input.runId, stepOf(input)), ws.outputDir, { linksWithin: ws.root }),
    cleanUp: () => void rm(ws.root, { recursive: true, force: true }).catch(() => {}),
  };
}

/**
 * The stage runs elsewhere (a Kubernetes pod): its init container fetches what the plan names
 * and its sidecar stores checkpoints and outputs; here we only watch the store for checkpoints.
 */
export async function launchRemotely(deps: ActivityDeps, context: LaunchContext & { project: string; image: string; resources: { cpu?: string; memory?: string; gpus: number } }): Promise<StageLaunch> {
  const { artifacts } = deps;
  const { input, attempt } = context;
  const prefix = checkpointPrefix(input.runId, stepOf(input));
  const resumed = await resumePoint(artifacts, context);
  let latest = resumed;
  const sync = async () => (latest = await findLatestCheckpoint(artifacts, prefix, latest));
  return {
    spec: {
      id: `${input.runId}/${stepOf(input)}/${attempt}`,
      command: ['python', '-m', 'kiln_sdk.stage'],
      workingDirectory: '/kiln/workspace/src',
      env: { KILN_ENTRYPOINT: input.entrypoint },
      timeoutMs: input.timeoutSeconds * 1000,
      placement: {
        project: context.project,
        runId: input.runId,
        stage: input.stage,
        ...(input.step ? { step: input.step } : {}),
        attempt,
        image: context.image,
        environmentDigest: input.environmentDigest,
        resources: context.resources,
        io: {
          sourceDigest: input.sourceDigest,
          datasetPrefix: input.datasetPrefix,
          upstream: context.upstream,
          params: input.params,
          outputPrefix: stageOutputPrefix(input.runId, stepOf(input)),
          checkpointPrefix: prefix,
          ...(resumed ? { resumeCheckpointKey: resumed.key } : {}),
        },
      },
    },
    resumed,
    checkpoints: { get latest() { return latest; }, sync, finish: sync },
    storeOutputs: async () => undefined,
    cleanUp: () => {},
  };
}
