import { checkpointPrefix, stageOutputPrefix } from '../../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { findLatestCheckpoint } from '../../checkpoints/checkpoint-restore.js';
import { environmentImage } from '../../kubernetes/environment-image.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { stageAttemptId, stepOf } from '../../pipeline/stage-attempt.js';
import { resumePoint, type StageLaunch, type StageLauncher, type StageLaunchRequest } from '../stage-launch.js';

/**
 * The stage runs in a pod, in its environment's image: its init container fetches what the
 * plan names and its sidecar stores checkpoints and outputs; here we only watch the store for checkpoints.
 */
export function kubernetesStageLauncher({
  artifacts,
  settings,
}: {
  artifacts: ArtifactStore;
  settings: Pick<KubernetesSettings, 'imageRegistry'>;
}): StageLauncher {
  return {
    async launch(request: StageLaunchRequest): Promise<StageLaunch> {
      const { input, attempt } = request;
      const prefix = checkpointPrefix(input.runId, stepOf(input));
      const resumed = await resumePoint(artifacts, request);
      let latest = resumed;
      const sync = async () => (latest = await findLatestCheckpoint(artifacts, prefix, latest));
      return {
        spec: {
          id: stageAttemptId({ runId: input.runId, step: stepOf(input), attempt }),
          command: ['python', '-m', 'kiln_sdk.stage'],
          workingDirectory: '/kiln/workspace/src',
          env: { KILN_ENTRYPOINT: input.entrypoint },
          timeoutMs: input.timeoutSeconds * 1000,
          placement: {
            project: input.project ?? input.runId,
            runId: input.runId,
            stage: input.stage,
            ...(input.step ? { step: input.step } : {}),
            attempt,
            image: environmentImage(settings, input.environmentDigest),
            environmentDigest: input.environmentDigest,
            resources: input.resources ?? { gpus: 0 },
            io: {
              sourceDigest: input.sourceDigest,
              datasetPrefix: input.datasetPrefix,
              upstream: request.upstream,
              params: input.params,
              outputPrefix: stageOutputPrefix(input.runId, stepOf(input)),
              checkpointPrefix: prefix,
              ...(resumed ? { resumeCheckpointKey: resumed.key } : {}),
            },
          },
        },
        resumed,
        checkpoints: {
          get latest() {
            return latest;
          },
          sync,
          finish: sync,
        },
        storeOutputs: async () => undefined,
        cleanUp: () => {},
      };
    },
  };
}
