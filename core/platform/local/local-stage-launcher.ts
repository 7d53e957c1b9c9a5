import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointPrefix, stageOutputPrefix } from '../../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { restoreCheckpoint } from '../../checkpoints/checkpoint-restore.js';
import { CheckpointUploader } from '../../checkpoints/checkpoint-uploader.js';
import { homePaths } from '../../config.js';
import type { VenvBuilder } from '../../environments/venv-builder.js';
import { EnvironmentUnavailableError } from '../../errors.js';
import { stageAttemptId, stageWorkspaceName, stepOf } from '../../pipeline/stage-attempt.js';
import { stageEnvironment } from '../../runner/stage-environment.js';
import { prepareStageWorkspace } from '../../runner/stage-workspace.js';
import { resumePoint, type StageLaunch, type StageLauncher, type StageLaunchRequest } from '../stage-launch.js';

export interface LocalStageLauncherDeps {
  artifacts: ArtifactStore;
  venvs: VenvBuilder;
  /** The data directory: workspaces go under its `work/`. */
  home: string;
  /** Directory put on PYTHONPATH so stages can import kiln_sdk. */
  sdkDir: string;
}

/** The stage runs on this machine: its workspace is prepared here, and its checkpoints and outputs uploaded from here. */
export function localStageLauncher({ artifacts, venvs, home, sdkDir }: LocalStageLauncherDeps): StageLauncher {
  return {
    async launch(request: StageLaunchRequest): Promise<StageLaunch> {
      const { input, attempt } = request;
      const built = venvs.locate(input.environmentDigest);
      if (!built) throw new EnvironmentUnavailableError('environment', `environment ${input.environmentDigest.slice(0, 12)} is not built on this worker`);
      const root = join(homePaths(home).work, input.runId, stageWorkspaceName({ step: stepOf(input), attempt }));
      const ws = await prepareStageWorkspace(artifacts, root, { ...input, upstream: request.upstream });
      await writeFile(ws.paramsFile, JSON.stringify(input.params));
      const resumed = await resumePoint(artifacts, request);
      if (resumed) await restoreCheckpoint(artifacts, resumed, ws.resumeDir);
      const uploader = new CheckpointUploader(artifacts, checkpointPrefix(input.runId, stepOf(input)), ws.checkpointDir, resumed);
      return {
        spec: {
          id: stageAttemptId({ runId: input.runId, step: stepOf(input), attempt }),
          command: [built.pythonExecutable, '-m', 'kiln_sdk.stage'],
          workingDirectory: ws.sourceDir,
          env: stageEnvironment({
            built,
            sdkDir,
            ws,
            runId: input.runId,
            stage: input.stage,
            attempt,
            entrypoint: input.entrypoint,
            resumeDir: resumed ? ws.resumeDir : undefined,
          }),
          timeoutMs: input.timeoutSeconds * 1000,
          ...(input.warmImports?.length ? { warmImports: input.warmImports } : {}),
        },
        resumed,
        checkpoints: uploader,
        storeOutputs: () => artifacts.putDirectory(stageOutputPrefix(input.runId, stepOf(input)), ws.outputDir, { linksWithin: ws.root }),
        cleanUp: () => void rm(ws.root, { recursive: true, force: true }).catch(() => {}),
      };
    },
  };
}
