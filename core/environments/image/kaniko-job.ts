import type { V1ConfigMap, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { digestLabel, LABELS, MANAGED_BY, objectName } from '../../kubernetes/labels.js';
import { imageBuilderSecurity } from '../../kubernetes/pod-security.js';

/** Kaniko builds images inside an unprivileged pod; pinned so a build never changes under us. */
export const KANIKO_EXECUTOR_IMAGE = 'gcr.io/kaniko-project/executor:v1.23.2';
export const BUILD_CONTAINER = 'kaniko';
export const DOCKERFILE_KEY = 'Dockerfile';
/** On the ConfigMap that holds the build context: set once the image was pushed (build record). */
export const BUILT_IMAGE_ANNOTATION = 'kiln.dev/built-image';
const CONTEXT_DIR = '/workspace';
const DOCKER_CONFIG_DIR = '/kaniko/.docker';

export interface ImageBuildJobInput {
  /** The environment's spec digest: names the Job and tags the image. */
  digest: string;
  /** Full image reference to push, `<imageRegistry>:<digest>`. */
  destination: string;
  /** The Job's activeDeadlineSeconds. */
  deadlineSeconds: number;
  /** A kubernetes.io/dockerconfigjson Secret with push credentials; unset: push anonymously. */
  registrySecret?: string;
  /** Talk plain HTTP to the destination registry (an in-cluster registry without TLS). */
  insecureRegistry?: boolean;
}

/** One build per digest: a second request for the same digest finds this name taken and joins it. */
export function imageBuildName(digest: string): string {
  return objectName(['kiln-build', digest.slice(0, 16)]);
}

export function imageBuildLabels(digest: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'image-build', [LABELS.environment]: digestLabel(digest) };
}

/** The build context: just the Dockerfile (the image copies nothing in), mounted into the Kaniko pod. */
export function buildContextConfigMap(digest: string, dockerfile: string, settings: Pick<KubernetesSettings, 'namespace'>): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: imageBuildName(digest),
      namespace: settings.namespace,
      labels: imageBuildLabels(digest),
      // Label values stop at 63 characters; the full digest is kept here.
      annotations: { [LABELS.environment]: digest },
    },
    data: { [DOCKERFILE_KEY]: dockerfile },
  };
}

/**
 * The Kaniko Job: builds the ConfigMap's Dockerfile and pushes it tagged by digest, with the
 * registry's layer cache. backoffLimit 0: the caller (Temporal) owns retries. The pushed
 * manifest digest lands in the container's termination message (--digest-file), a failure's
 * last log lines in the same place (FallbackToLogsOnError), so both are readable from the pod.
 */
export function buildImageJob(input: ImageBuildJobInput, settings: KubernetesSettings): V1Job {
  const name = imageBuildName(input.digest);
  const labels = imageBuildLabels(input.digest);
  const volumes: V1Volume[] = [{ name: 'context', configMap: { name } }];
  const mounts: V1VolumeMount[] = [{ name: 'context', mountPath: CONTEXT_DIR, readOnly: true }];
  if (input.registrySecret) {
    volumes.push({ name: 'registry-credentials', secret: { secretName: input.registrySecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
    mounts.push({ name: 'registry-credentials', mountPath: DOCKER_CONFIG_DIR, readOnly: true });
  }
  const registryHost = input.destination.split('/')[0]!;
  const args = [
    `--dockerfile=${CONTEXT_DIR}/${DOCKERFILE_KEY}`,
    `--context=dir://${CONTEXT_DIR}`,
    `--destination=${input.destination}`,
    '--cache=true',
    '--digest-file=/dev/termination-log',
    // The cache repository lives in the same registry, so it needs plain HTTP as well.
    ...(input.insecureRegistry ? [`--insecure-registry=${registryHost}`] : []),
  ];
  const annotations = Object.keys(settings.podAnnotations).length ? settings.podAnnotations : undefined;
  const security = imageBuilderSecurity();
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: settings.namespace, labels, annotations: { [LABELS.environment]: input.digest } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.deadlineSeconds,
      ttlSecondsAfterFinished: settings.jobTtlSeconds,
      template: {
        metadata: { labels, ...(annotations ? { annotations } : {}) },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: 'kiln-stage',
          automountServiceAccountToken: false,
          securityContext: security.pod,
          nodeSelector: Object.keys(settings.nodeSelector).length ? settings.nodeSelector : undefined,
          tolerations: settings.tolerations.length ? settings.tolerations : undefined,
          volumes,
          containers: [
            {
              name: BUILD_CONTAINER,
              image: KANIKO_EXECUTOR_IMAGE,
              args,
              volumeMounts: mounts,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              // pip unpacking large wheels (torch) needs memory; no limit, so a big build is slow rather than killed.
              resources: { requests: { cpu: '500m', memory: '1Gi' } },
              securityContext: security.container,
            },
          ],
        },
      },
    },
  };
}
