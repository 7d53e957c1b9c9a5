import type { V1Deployment, V1ResourceRequirements, V1Service } from '@kubernetes/client-node';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { LABELS, labelValue, MANAGED_BY, objectName } from '../../kubernetes/labels.js';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../../kubernetes/pod-security.js';
import { RUN_CONTRACT_ENV as E } from '../../runner/run-contract.js';
import { DEFAULT_SERVE_SETTINGS, serveEnv, type ServeSettings } from '../../specs/serve-settings.js';
import { DEFAULT_PREDICTION_LOG, predictionLogEnv, type PredictionLogSettings } from '../../specs/prediction-log.js';

export const MODEL_SERVER_PORT = 8080;
export const SERVER_CONTAINER = 'server';
export const LOG_SHIPPER_CONTAINER = 'ship-predictions';
/** The pod's shared directory (an emptyDir): the init container fills it, the server reads it. */
export const SERVING_ROOT = '/kiln/serving';
/** Carries the ServingIoPlan JSON to the init container (`kiln serving-io fetch`). */
export const SERVING_IO_ENV = 'KILN_SERVING_IO';

/**
 * What the init container fetches from the artifact store into SERVING_ROOT (src/, model/,
 * sdk/), and what the log sidecar ships the server's prediction log as (absent in pods made
 * before the prediction log: they have no sidecar).
 */
export interface ServingIoPlan {
  sourceDigest: string;
  modelPrefix: string;
  modelName?: string;
  version?: number;
}

/** The server's prediction-log spool in the pod's shared directory, which the sidecar ships. */
export const PREDICTION_SPOOL = `${SERVING_ROOT}/predictions`;

export interface ModelDeploymentInput {
  modelName: string;
  version: number;
  /** The environment image the model was trained in, `<imageRegistry>:<spec digest>`. */
  image: string;
  /** Artifact-store prefix of the model version's files. */
  artifactPrefix: string;
  /** Source snapshot holding the predict entrypoint. */
  sourceDigest: string;
  /** `file.py:ModelClass`, as the project's predict (or train) entrypoint names it. */
  entrypoint: string;
  /** The server's workers, batching and in-flight bound; default DEFAULT_SERVE_SETTINGS. */
  serve?: ServeSettings;
  /** Which predictions the server records; default all, up to the default rate. */
  predictionLog?: PredictionLogSettings;
  /** Default 1. */
  replicas?: number;
  /** The environment's cpu_limit (cores) and memory_limit (MiB); requests equal limits. Default: none. */
  resources?: { cpu?: number; memoryMiB?: number };
}

export interface ModelDeploymentOptions {
  /** How long a rollout may make no progress before the Deployment reports it failed. Default 600. */
  progressDeadlineSeconds?: number;
}

/**
 * A Deployment and its Service that serve versions of a model: the model's own (modelWorkload),
 * or a rollout's candidate beside it (candidate-deployment.ts). Both are built from the same
 * pod template; only the names, selectors and history differ.
 */
export interface ServingWorkload {
  /** The Deployment's and the Service's name. */
  name: string;
  /** The Deployment's (immutable) selector and the Service's; its pods carry these labels and the version's. */
  selector: Record<string, string>;
  /** Old ReplicaSets the Deployment keeps (what rollback returns to). */
  revisionHistoryLimit: number;
}

export function modelDeploymentName(modelName: string): string {
  return objectName(['kiln-model', modelName]);
}

/** Selects every pod of the model, whatever its version: the Deployment's (immutable) selector and the Service's. */
export function modelSelectorLabels(modelName: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'model-server', [LABELS.model]: labelValue(modelName) };
}

/** The model's own Deployment and Service, the ones its champion serves from. */
export function modelWorkload(modelName: string): ServingWorkload {
  return { name: modelDeploymentName(modelName), selector: modelSelectorLabels(modelName), revisionHistoryLimit: 10 };
}

/** The in-cluster URL clients call: stable across versions, since the Service selects by model only. */
export function modelServiceUrl(modelName: string, namespace: string): string {
  return servingUrl(modelDeploymentName(modelName), namespace);
}

/** The in-cluster URL of a serving workload's Service. */
export function servingUrl(serviceName: string, namespace: string): string {
  return `http://${serviceName}.${namespace}.svc:${MODEL_SERVER_PORT}`;
}

/**
 * One Deployment per model, its template naming the version. A new version is a rolling
 * update that never lowers capacity (maxUnavailable 0, maxSurge 1): old pods go only once new
 * ones answer /health. Old versions stay as scaled-down ReplicaSets, which is what rollback uses.
 */
export function buildModelDeployment(input: ModelDeploymentInput, settings: KubernetesSettings, options: ModelDeploymentOptions = {}): V1Deployment {
  return buildServingDeployment(modelWorkload(input.modelName), input, settings, options);
}

/** The Deployment of `workload` serving `input`'s version: the one template every model-server pod is made from. */
export function buildServingDeployment(
  workload: ServingWorkload,
  input: ModelDeploymentInput,
  settings: KubernetesSettings,
  options: ModelDeploymentOptions = {},
): V1Deployment {
  const { name, selector } = workload;
  const version = String(input.version);
  const labels = { ...selector, [LABELS.modelVersion]: version };
  const mount = [{ name: 'serving', mountPath: SERVING_ROOT }];
  const plan: ServingIoPlan = { sourceDigest: input.sourceDigest, modelPrefix: input.artifactPrefix, modelName: input.modelName, version: input.version };
  const kilnContainerEnv = [
    { name: SERVING_IO_ENV, value: JSON.stringify(plan) },
    { name: 'KILN_SERVING_ROOT', value: SERVING_ROOT },
  ];
  const env: Record<string, string> = {
    PYTHONPATH: `${SERVING_ROOT}/sdk`,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    LANG: 'C.UTF-8',
    [E.stage]: 'serve',
    [E.entrypoint]: input.entrypoint,
    [E.modelDir]: `${SERVING_ROOT}/model`,
    [E.sourceDir]: `${SERVING_ROOT}/src`,
    [E.servePort]: String(MODEL_SERVER_PORT),
    KILN_MODEL_NAME: input.modelName,
    KILN_MODEL_VERSION: version,
    KILN_PREDICTION_LOG_DIR: PREDICTION_SPOOL,
    ...serveEnv(input.serve ?? DEFAULT_SERVE_SETTINGS),
    ...predictionLogEnv(input.predictionLog ?? DEFAULT_PREDICTION_LOG),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: settings.namespace, labels, annotations: { [LABELS.modelVersion]: version } },
    spec: {
      replicas: input.replicas ?? 1,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      progressDeadlineSeconds: options.progressDeadlineSeconds ?? 600,
      revisionHistoryLimit: workload.revisionHistoryLimit,
      template: {
        metadata: { labels, annotations: { ...settings.podAnnotations, [LABELS.modelVersion]: version } },
        spec: {
          serviceAccountName: 'kiln-stage',
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurity(),
          nodeSelector: Object.keys(settings.nodeSelector).length ? settings.nodeSelector : undefined,
          tolerations: settings.tolerations.length ? settings.tolerations : undefined,
          volumes: [
            { name: 'serving', emptyDir: {} },
            { name: 'kiln-tmp', emptyDir: {} },
          ],
          initContainers: [
            {
              name: 'fetch-model',
              image: settings.kilnImage,
              command: ['node', '/app/bin/kiln.js', 'serving-io', 'fetch'],
              env: kilnContainerEnv,
              envFrom: [{ secretRef: { name: settings.artifactsSecret } }],
              // Read-only root; the S3 store spools large downloads' temporary files to /tmp.
              volumeMounts: [...mount, { name: 'kiln-tmp', mountPath: '/tmp' }],
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: restrictedContainerSecurity({ readOnlyRoot: true }),
            },
          ],
          containers: [
            {
              name: SERVER_CONTAINER,
              image: input.image,
              command: ['python', '-m', 'kiln_sdk.serve', '--host', '0.0.0.0'],
              workingDir: `${SERVING_ROOT}/src`,
              env: Object.entries(env).map(([key, value]) => ({ name: key, value })),
              ports: [{ name: 'http', containerPort: MODEL_SERVER_PORT }],
              // Traffic (and the rollout) waits for the model to be loaded and answering.
              readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
              volumeMounts: mount,
              resources: serverResources(input.resources),
              securityContext: restrictedContainerSecurity({ readOnlyRoot: false }),
            },
            {
              // Moves the server's closed log segments into the artifact store; the server never waits on it.
              name: LOG_SHIPPER_CONTAINER,
              image: settings.kilnImage,
              command: ['node', '/app/bin/kiln.js', 'serving-io', 'ship'],
              env: kilnContainerEnv,
              envFrom: [{ secretRef: { name: settings.artifactsSecret } }],
              volumeMounts: [...mount, { name: 'kiln-tmp', mountPath: '/tmp' }],
              resources: { requests: { cpu: '20m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: restrictedContainerSecurity({ readOnlyRoot: true }),
            },
          ],
        },
      },
    },
  };
}

export function buildModelService(modelName: string, settings: Pick<KubernetesSettings, 'namespace'>): V1Service {
  return buildServingService(modelWorkload(modelName), settings);
}

/** The ClusterIP Service in front of a workload's pods, on the serving port. */
export function buildServingService({ name, selector }: ServingWorkload, settings: Pick<KubernetesSettings, 'namespace'>): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: settings.namespace, labels: selector },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: MODEL_SERVER_PORT, targetPort: 'http' }] },
  };
}

function serverResources(resources: ModelDeploymentInput['resources']): V1ResourceRequirements | undefined {
  const limits: Record<string, string> = {
    ...(resources?.cpu ? { cpu: String(resources.cpu) } : {}),
    ...(resources?.memoryMiB ? { memory: `${resources.memoryMiB}Mi` } : {}),
  };
  return Object.keys(limits).length ? { requests: limits, limits } : undefined;
}
