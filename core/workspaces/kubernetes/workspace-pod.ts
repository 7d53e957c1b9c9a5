import type { V1Container, V1EnvVar, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { workspacePrefix } from '../../artifacts/artifact-keys.js';
import { EnvironmentUnavailableError } from '../../errors.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { LABELS, labelValue, MANAGED_BY, objectName } from '../../kubernetes/labels.js';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../../kubernetes/pod-security.js';
import type { WorkspaceKind, WorkspaceLimits } from '../../specs/workspace.js';
import { codeServerArgs, codeServerPasswordHash, codeServerXdgEnv } from '../local/code-server.js';
import { WORKSPACE_METRICS_PATH } from '../notebook-metrics.js';
import { jupyterBasePath, workspaceProxyPrefix } from '../workspace-hosting.js';
import { WORKSPACE_POD_ROOT, type WorkspaceIoPlan, workspacePodLayout } from './workspace-files.js';

/** The label naming the workspace on its Pod, Service and Secret. */
export const WORKSPACE_LABEL = 'kiln.dev/workspace';
/** The server's container is named after its kind (`jupyterlab`, `code-server`). */
export const SERVER_CONTAINERS: readonly string[] = ['jupyterlab', 'code-server'] satisfies readonly WorkspaceKind[];
export const DEFAULT_SERVER_PORT = 8888;
/** Carries the WorkspaceIoPlan JSON to the init container and sidecar (`kiln workspace-io`). */
export const WORKSPACE_IO_ENV = 'KILN_WORKSPACE_IO';
/** The Secret key holding the server's token, read into JUPYTER_TOKEN. */
export const TOKEN_KEY = 'token';
/** The Secret key holding the token's SHA-256 (hex), read into code-server's HASHED_PASSWORD. */
export const HASHED_PASSWORD_KEY = 'hashed-password';
/** Where the code-server image keeps its standalone release (codercom/code-server). */
export const CODE_SERVER_RELEASE = '/usr/lib/code-server';
/** Time the kubelet gives JupyterLab to stop and then the sidecar to store the files one last time. */
export const STOP_GRACE_SECONDS = 90;

export interface WorkspacePodInput {
  name: string;
  /** The server it runs. Default jupyterlab. */
  kind?: WorkspaceKind;
  /** The image code-server's release is copied from (KILN_K8S_CODE_SERVER_IMAGE); needed for code-server. */
  codeServerImage?: string;
  /** The environment's image (`<imageRegistry>:<spec digest>`). */
  image: string;
  limits: WorkspaceLimits;
  /** The pinned JupyterLab version installed beside the environment. */
  jupyterlabVersion: string;
  /** The port JupyterLab listens on in the pod. */
  port: number;
  /** Seconds between two syncs of the files to the artifact store. */
  syncSeconds: number;
}

/** Pod, Service and Secret share it: `kiln-workspace-<name>`. */
export function workspaceObjectName(name: string): string {
  return objectName(['kiln-workspace', name]);
}

export function workspaceLabels(name: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'workspace', [WORKSPACE_LABEL]: labelValue(name) };
}

/** The name of the server's port, which the Service targets and the readiness probe asks. */
export function serverPortName(kind: WorkspaceKind): string {
  return kind === 'code-server' ? 'code-server' : 'jupyter';
}

/**
 * The in-cluster URL of the workspace's Service (what `open` hands out, with the token).
 * JupyterLab serves under the API proxy's path (its base_url); code-server from `/`.
 */
export function workspaceServiceUrl(name: string, namespace: string, port: number, kind: WorkspaceKind = 'jupyterlab'): string {
  const root = `http://${workspaceObjectName(name)}.${namespace}.svc:${port}`;
  return kind === 'code-server' ? root : `${root}${jupyterBasePath(name)}`;
}

/**
 * The token, kept out of the Pod spec: the pod reads it from here into JUPYTER_TOKEN, or its
 * SHA-256 into code-server's HASHED_PASSWORD (whose session cookie is that hash).
 */
export function buildWorkspaceSecret(name: string, token: string, settings: Pick<KubernetesSettings, 'namespace'>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: workspaceObjectName(name), namespace: settings.namespace, labels: workspaceLabels(name) },
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: token, [HASHED_PASSWORD_KEY]: codeServerPasswordHash(token) },
  };
}

export function buildWorkspaceService(
  name: string,
  port: number,
  settings: Pick<KubernetesSettings, 'namespace'>,
  kind: WorkspaceKind = 'jupyterlab',
): V1Service {
  const labels = workspaceLabels(name);
  const portName = serverPortName(kind);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: workspaceObjectName(name), namespace: settings.namespace, labels },
    spec: { type: 'ClusterIP', selector: labels, ports: [{ name: portName, port, targetPort: portName }] },
  };
}

type PodLayout = ReturnType<typeof workspacePodLayout>;

/** What differs between the kinds: the init container readying the server, and the server's command, environment and probe. */
interface ServerParts {
  init: V1Container;
  server: Pick<V1Container, 'command' | 'args' | 'readinessProbe'>;
  env: V1EnvVar[];
}

/** The pinned JupyterLab, pip-installed beside the environment; the token from the Secret into JUPYTER_TOKEN. */
function jupyterLabParts(input: WorkspacePodInput, ws: PodLayout, secret: string): ServerParts {
  const env: Record<string, string> = {
    KILN_WORKSPACE_OVERLAY: ws.overlay,
    JUPYTER_CONFIG_DIR: `${ws.jupyter}/config`,
    JUPYTER_DATA_DIR: `${ws.jupyter}/data`,
    JUPYTER_RUNTIME_DIR: `${ws.jupyter}/runtime`,
    // Our kernel spec first: the overlay's own `python3` spec runs ipykernel without the overlay on sys.path.
    JUPYTER_PATH: `${ws.jupyter}/data:${ws.overlay}/share/jupyter`,
    JUPYTER_CONFIG_PATH: `${ws.overlay}/etc/jupyter`,
    IPYTHONDIR: `${ws.jupyter}/ipython`,
  };
  return {
    init: {
      name: 'install-jupyterlab',
      image: input.image,
      command: ['python', '-m', 'pip', 'install', '--quiet', '--no-cache-dir', '--disable-pip-version-check', '--target', ws.overlay],
      args: [`jupyterlab==${input.jupyterlabVersion}`],
      env: [{ name: 'HOME', value: ws.home }],
    },
    server: {
      command: ['python', '-m', 'kiln_sdk.workspace', 'lab'],
      args: [
        '--no-browser',
        '--ip=0.0.0.0',
        `--port=${input.port}`,
        '--ServerApp.port_retries=0',
        `--ServerApp.root_dir=${ws.files}`,
        // The path the API's proxy serves it under (its Service URL carries the same path).
        `--ServerApp.base_url=${workspaceProxyPrefix(input.name)}`,
        `--LabApp.app_dir=${ws.overlay}/share/jupyter/lab`,
      ],
      // `<base_url>api` answers without a token once the server is up.
      readinessProbe: { httpGet: { path: `${workspaceProxyPrefix(input.name)}api`, port: serverPortName('jupyterlab') } },
    },
    env: [
      ...Object.entries(env).map(([key, value]) => ({ name: key, value })),
      { name: 'JUPYTER_TOKEN', valueFrom: { secretKeyRef: { name: secret, key: TOKEN_KEY } } },
    ],
  };
}

/**
 * code-server's standalone release (with its own Node) copied from its image into the pod's
 * volume, then run in the environment's image, whose PATH already leads to the environment's
 * python (terminals and tasks inherit it). It serves from `/` (the API's proxy strips the
 * workspace's prefix) and takes the token's hash from the Secret as HASHED_PASSWORD.
 */
function codeServerParts(input: WorkspacePodInput, ws: PodLayout, secret: string): ServerParts {
  if (!input.codeServerImage) throw new EnvironmentUnavailableError('kind', 'code-server workspaces need KILN_K8S_CODE_SERVER_IMAGE on this cluster');
  return {
    init: {
      name: 'copy-code-server',
      image: input.codeServerImage,
      // -T: into the directory itself, also when a restarted pod finds it there.
      command: ['cp', '-R', '-T', CODE_SERVER_RELEASE, ws.codeServer],
    },
    server: {
      command: [`${ws.codeServer}/bin/code-server`],
      args: codeServerArgs(WORKSPACE_POD_ROOT, `0.0.0.0:${input.port}`, ws.files),
      // Answers without auth and without counting as activity.
      readinessProbe: { httpGet: { path: '/healthz', port: serverPortName('code-server') } },
    },
    env: [
      ...Object.entries(codeServerXdgEnv(WORKSPACE_POD_ROOT)).map(([key, value]) => ({ name: key, value })),
      { name: 'HASHED_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: HASHED_PASSWORD_KEY } } },
    ],
  };
}

/**
 * One pod per running workspace. Init containers: Kiln's image fetches the files, the SDK and
 * the kernel spec from the artifact store; the environment's image installs the pinned
 * JupyterLab with pip into an overlay directory beside the environment (never into it, as on
 * the local platform), so any environment image can host a workspace. A native sidecar syncs
 * the files back to the store while the server runs and once more when the pod stops. The
 * server runs in the environment's image with the token from the workspace's Secret. A
 * code-server workspace copies code-server's release in instead of installing JupyterLab.
 */
export function buildWorkspacePod(input: WorkspacePodInput, settings: KubernetesSettings): V1Pod {
  const ws = workspacePodLayout(WORKSPACE_POD_ROOT);
  const name = workspaceObjectName(input.name);
  const kind = input.kind ?? 'jupyterlab';
  const parts = kind === 'code-server' ? codeServerParts(input, ws, name) : jupyterLabParts(input, ws, name);
  const mount = [{ name: 'workspace', mountPath: WORKSPACE_POD_ROOT }];
  const plan: WorkspaceIoPlan = { filesPrefix: `${workspacePrefix(input.name)}/files`, syncSeconds: input.syncSeconds };
  const kilnContainer = (container: string, action: 'fetch' | 'sync'): V1Container => ({
    name: container,
    image: settings.kilnImage,
    command: ['node', '/app/bin/kiln.js', 'workspace-io', action],
    env: [
      { name: WORKSPACE_IO_ENV, value: JSON.stringify(plan) },
      { name: 'KILN_WORKSPACE_ROOT', value: WORKSPACE_POD_ROOT },
    ],
    envFrom: [{ secretRef: { name: settings.artifactsSecret } }],
    // Read-only root; the S3 store spools large transfers to /tmp.
    volumeMounts: [...mount, { name: 'kiln-tmp', mountPath: '/tmp' }],
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    securityContext: restrictedContainerSecurity({ readOnlyRoot: true }),
  });
  const { cpu, memory, gpus } = input.limits;
  const limits: Record<string, string> = {
    ...(cpu ? { cpu: String(cpu) } : {}),
    ...(memory ? { memory: `${memory}Mi` } : {}),
    ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}),
  };
  const serverEnv: Record<string, string> = {
    HOME: ws.home,
    PYTHONPATH: ws.sdk,
    PYTHONUNBUFFERED: '1',
    KILN_WORKSPACE: input.name,
    // kiln_sdk.save_checkpoint / load_latest_checkpoint work in a notebook as in a stage, kept with the files.
    KILN_CHECKPOINT_DIR: `${ws.files}/checkpoints`,
    // kiln_sdk.log_metric appends here (kernels and terminals alike); the sidecar stores it with the files.
    KILN_WORKSPACE_METRICS_FILE: `${ws.files}/${WORKSPACE_METRICS_PATH}`,
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: settings.namespace,
      labels: workspaceLabels(input.name),
      ...(Object.keys(settings.podAnnotations).length ? { annotations: settings.podAnnotations } : {}),
    },
    spec: {
      serviceAccountName: 'kiln-stage',
      automountServiceAccountToken: false,
      // User code runs here: no root, no capabilities, no Kubernetes credentials.
      securityContext: restrictedPodSecurity(),
      terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
      nodeSelector: Object.keys(settings.nodeSelector).length ? settings.nodeSelector : undefined,
      tolerations: settings.tolerations.length ? settings.tolerations : undefined,
      volumes: [
        { name: 'workspace', emptyDir: {} },
        { name: 'kiln-tmp', emptyDir: {} },
      ],
      initContainers: [
        kilnContainer('fetch-files', 'fetch'),
        { ...parts.init, volumeMounts: mount, securityContext: restrictedContainerSecurity({ readOnlyRoot: false }) },
        { ...kilnContainer('sync-files', 'sync'), restartPolicy: 'Always' },
      ],
      containers: [
        {
          name: kind,
          image: input.image,
          command: parts.server.command,
          args: parts.server.args,
          workingDir: ws.files,
          env: [...Object.entries(serverEnv).map(([key, value]) => ({ name: key, value })), ...parts.env],
          ports: [{ name: serverPortName(kind), containerPort: input.port }],
          readinessProbe: { ...parts.server.readinessProbe, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
          volumeMounts: mount,
          // Requests equal limits, as for stages: a GPU or memory promised is one held.
          resources: Object.keys(limits).length ? { requests: limits, limits } : undefined,
          securityContext: restrictedContainerSecurity({ readOnlyRoot: false }),
        },
      ],
    },
  };
}
