import type { V1Container, V1EnvVar, V1Job } from '@kubernetes/client-node';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { digestLabel, LABELS, labelValue, MANAGED_BY, objectName } from '../../kubernetes/labels.js';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../../kubernetes/pod-security.js';
import { stageEnvironment } from '../../runner/stage-environment.js';
import { workspaceLayout } from '../../runner/workspace-layout.js';
import { TRACEPARENT_ENV } from '../../tracing/traceparent.js';
import type { StagePlacement, StageProcessSpec } from '../executor.js';

/** The pod's shared workspace (an emptyDir): the init container fills it, the stage and sidecar use it. */
export const POD_WORKSPACE = '/kiln/workspace';
export const STAGE_CONTAINER = 'stage';
/** Written by kiln_sdk.stage with its exit code; the sidecar stores outputs only after a 0. */
export const EXIT_FILE = `${POD_WORKSPACE}/.kiln-exit`;
/** The environment variable carrying the StageIoPlan JSON to the init container and sidecar. */
export const STAGE_IO_ENV = 'KILN_STAGE_IO';

export function stageJobName(placement: Pick<StagePlacement, 'runId' | 'stage' | 'step' | 'attempt'>): string {
  return objectName(['kiln', placement.runId, placement.step ?? placement.stage, String(placement.attempt)]);
}

export function stageLabels(placement: StagePlacement): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: 'stage',
    [LABELS.project]: labelValue(placement.project),
    [LABELS.run]: labelValue(placement.runId),
    [LABELS.stage]: placement.step ?? placement.stage,
    [LABELS.attempt]: String(placement.attempt),
    [LABELS.environment]: digestLabel(placement.environmentDigest),
  };
}

/**
 * One Job per stage attempt (the seeds' init container + train container): an init container
 * fetches the source snapshot and inputs from the artifact store, the stage container runs the
 * same runner as the local executor (`python -m kiln_sdk.stage`) with the same run contract,
 * and a native sidecar uploads checkpoints while it runs and the outputs once it succeeded.
 * backoffLimit 0: Temporal owns retries. The deadline is timeout_seconds.
 */
export function buildStageJob(spec: StageProcessSpec, placement: StagePlacement, settings: KubernetesSettings): V1Job {
  const ws = workspaceLayout(POD_WORKSPACE);
  const labels = stageLabels(placement);
  const mount = [{ name: 'workspace', mountPath: POD_WORKSPACE }];
  // Kiln's containers have a read-only root; the S3 store spools large uploads to /tmp.
  const kilnMounts = [...mount, { name: 'kiln-tmp', mountPath: '/tmp' }];
  const kilnEnv: V1EnvVar[] = [
    { name: STAGE_IO_ENV, value: JSON.stringify(placement.io) },
    { name: 'KILN_STAGE_ROOT', value: POD_WORKSPACE },
  ];
  const kilnContainer = (name: string, command: string): V1Container => ({
    name,
    image: settings.kilnImage,
    command: ['node', '/app/bin/kiln.js', 'stage-io', command],
    env: kilnEnv,
    envFrom: [{ secretRef: { name: settings.artifactsSecret } }],
    volumeMounts: kilnMounts,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    securityContext: restrictedContainerSecurity({ readOnlyRoot: true }),
  });
  const contract = stageEnvironment({
    built: { binDir: '/usr/local/bin', venvDir: '/usr/local' },
    sdkDir: `${POD_WORKSPACE}/sdk`,
    ws,
    runId: placement.runId,
    stage: placement.stage,
    attempt: placement.attempt,
    entrypoint: spec.env.KILN_ENTRYPOINT ?? '',
    resumeDir: placement.io.resumeCheckpointKey ? ws.resumeDir : undefined,
  });
  const { cpu, memory, gpus } = placement.resources;
  const limits: Record<string, string> = {
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
    ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: stageJobName(placement), namespace: settings.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
      ttlSecondsAfterFinished: settings.jobTtlSeconds,
      template: {
        metadata: { labels, ...(Object.keys(settings.podAnnotations).length ? { annotations: settings.podAnnotations } : {}) },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: 'kiln-stage',
          automountServiceAccountToken: false,
          // User code runs here: no root, no capabilities, no Kubernetes credentials.
          securityContext: restrictedPodSecurity(),
          nodeSelector: Object.keys(settings.nodeSelector).length ? settings.nodeSelector : undefined,
          tolerations: settings.tolerations.length ? settings.tolerations : undefined,
          volumes: [
            { name: 'workspace', emptyDir: {} },
            { name: 'kiln-tmp', emptyDir: {} },
          ],
          initContainers: [kilnContainer('fetch-inputs', 'fetch'), { ...kilnContainer('store-outputs', 'sync'), restartPolicy: 'Always' }],
          containers: [
            {
              name: STAGE_CONTAINER,
              image: placement.image,
              command: spec.command,
              workingDir: ws.sourceDir,
              env: [
                ...Object.entries(contract).map(([name, value]) => ({ name, value })),
                { name: 'KILN_EXIT_FILE', value: EXIT_FILE },
                // The stage span, when the worker traces: kiln_sdk reports its spans under it.
                ...(spec.env[TRACEPARENT_ENV] ? [{ name: TRACEPARENT_ENV, value: spec.env[TRACEPARENT_ENV] }] : []),
              ],
              volumeMounts: mount,
              // Requests equal limits: a training pod should not be squeezed by its neighbours.
              resources: Object.keys(limits).length ? { requests: limits, limits } : undefined,
              securityContext: restrictedContainerSecurity({ readOnlyRoot: false }),
            },
          ],
        },
      },
    },
  };
}
