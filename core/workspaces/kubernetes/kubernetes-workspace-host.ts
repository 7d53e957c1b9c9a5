import type { V1Pod } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { workspacePrefix } from '../../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { BackendUnavailableError, EnvironmentUnavailableError } from '../../errors.js';
import { largestGpuNode } from '../../executors/kubernetes/gpu-capacity.js';
import { ignoreStatus } from '../../kubernetes/api-errors.js';
import { apiServerGet } from '../../kubernetes/api-server-get.js';
import { type AwaitObjectOptions, awaitObject } from '../../kubernetes/await-object.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import type { WorkspaceKind } from '../../specs/workspace.js';
import { jupyterStatusProbe } from '../jupyter-status.js';
import { parseCodeServerHealth } from '../local/code-server.js';
import { type MetricsFileChunk, sliceChunk } from '../metrics-file-chunk.js';
import { WORKSPACE_METRICS_PATH } from '../notebook-metrics.js';
import {
  workspaceProxyPrefix,
  type WorkspaceContent,
  type WorkspaceHosting,
  type WorkspaceLaunch,
  type WorkspaceProbe,
  type WorkspaceServer,
  type WorkspaceStartOptions,
} from '../workspace-hosting.js';
import {
  buildWorkspacePod,
  buildWorkspaceSecret,
  buildWorkspaceService,
  DEFAULT_SERVER_PORT,
  workspaceObjectName,
  workspaceServiceUrl,
} from './workspace-pod.js';
import { workspacePodState } from './workspace-pod-state.js';

/** How long one stop waits for the pod to be gone. */
const STOP_WAIT_MS = 45_000;

export interface KubernetesWorkspaceHostOptions {
  clients: KubeClients;
  settings: KubernetesSettings;
  artifacts: ArtifactStore;
  /** The pinned JupyterLab version (JUPYTERLAB_VERSION in scripts/tool-versions.sh). */
  jupyterlabVersion: string;
  /** The port JupyterLab listens on in the pod. Default 8888. */
  serverPort?: number;
  /** Seconds between two syncs of a running workspace's files to the store. Default 15. */
  syncSeconds?: number;
  /** How long a pod may take to answer (scheduling, a GPU, pulling, installing JupyterLab or copying code-server). Default 10 minutes. */
  startTimeoutMs?: number;
  /** How long an image that cannot be pulled is given before the start fails. Default 60 s. */
  imagePullGraceMs?: number;
}

/**
 * Workspaces on a cluster: per running workspace a Pod (the environment's image running
 * JupyterLab, or code-server copied in from KILN_K8S_CODE_SERVER_IMAGE), a ClusterIP Service in front of it and a Secret holding its token. The files live
 * in the artifact store (`workspaces/<name>/files`): the pod fetches them when it starts and its
 * sidecar stores them back while it runs and when it stops, so stop, start and a lost node keep
 * them. The worker reaches the server's status API through the API server's pod proxy, which
 * works whether the worker runs in the cluster or outside it.
 */
export class KubernetesWorkspaceHost implements WorkspaceHosting {
  /** JupyterLab always; code-server where KILN_K8S_CODE_SERVER_IMAGE names an image to copy it from. */
  readonly kinds: readonly WorkspaceKind[];
  /** GPUs one workspace may ask for: as many as Kiln may use at once (KILN_GPU_SLOTS). */
  readonly maxGpus: number;
  private readonly port: number;

  constructor(private readonly options: KubernetesWorkspaceHostOptions) {
    this.maxGpus = options.settings.gpuSlots;
    this.port = options.serverPort ?? DEFAULT_SERVER_PORT;
    this.kinds = options.settings.codeServerImage ? ['jupyterlab', 'code-server'] : ['jupyterlab'];
  }

  private get namespace(): string {
    return this.options.settings.namespace;
  }

  async prepare(name: string, content: WorkspaceContent): Promise<void> {
    const { artifacts } = this.options;
    // The marker is written last: a copy cut short is redone, a finished one never overwritten.
    const marker = `${workspacePrefix(name)}/prepared`;
    if (await artifacts.exists(marker)) return;
    const files = `${workspacePrefix(name)}/files`;
    if (content.sourceDir) await artifacts.putDirectory(`${files}/src`, content.sourceDir);
    if (content.datasetFile) await artifacts.putFile(`${files}/data/${basename(content.datasetFile)}`, content.datasetFile);
    await artifacts.put(marker, '');
  }

  async start(launch: WorkspaceLaunch, { signal, onPending }: WorkspaceStartOptions = {}): Promise<WorkspaceServer> {
    if (!this.kinds.includes(launch.kind)) throw new EnvironmentUnavailableError('kind', `${launch.kind} workspaces do not run on this cluster`);
    const { clients, settings } = this.options;
    const namespace = this.namespace;
    if (launch.limits.gpus > 0) {
      // Refused before launch, as stages are: a pod no node can ever hold would wait forever.
      const largest = await largestGpuNode(clients);
      if (launch.limits.gpus > largest) {
        throw new EnvironmentUnavailableError('resources.gpus', `asks for ${launch.limits.gpus} GPUs; the largest node in the cluster has ${largest}`);
      }
    }
    const secret = buildWorkspaceSecret(launch.name, launch.token, settings);
    // A Secret left by a start cut short holds an old token: replaced (delete and create: the worker may not read or update Secrets).
    if (!(await ignoreStatus(409, () => clients.core.createNamespacedSecret({ namespace, body: secret })))) {
      await ignoreStatus(404, () => clients.core.deleteNamespacedSecret({ name: secret.metadata!.name!, namespace }));
      await clients.core.createNamespacedSecret({ namespace, body: secret });
    }
    await ignoreStatus(409, () =>
      clients.core.createNamespacedService({ namespace, body: buildWorkspaceService(launch.name, this.port, settings, launch.kind) }),
    );
    const pod = buildWorkspacePod(
      {
        name: launch.name,
        kind: launch.kind,
        ...(settings.codeServerImage ? { codeServerImage: settings.codeServerImage } : {}),
        image: launch.environment.location,
        limits: launch.limits,
        jupyterlabVersion: this.options.jupyterlabVersion,
        port: this.port,
        syncSeconds: this.options.syncSeconds ?? 15,
      },
      settings,
    );
    // The same start retried: adopt the pod it already created.
    await ignoreStatus(409, () => clients.core.createNamespacedPod({ namespace, body: pod }));
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 600_000);
    await this.untilReady(launch.name, deadline, signal, onPending);
    // Ready means the server answers its readiness path; what the probe will ask (JupyterLab's status API with this token, code-server's /healthz) must answer too.
    while (!(await this.probe(launch.name, { url: '', pid: null, token: launch.token, kind: launch.kind })).alive) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('start aborted');
      if (Date.now() > deadline) throw new BackendUnavailableError('workspace', `${launch.kind} in pod ${pod.metadata!.name} does not answer its status API`);
      await new Promise((r) => setTimeout(r, 500));
    }
    return { url: workspaceServiceUrl(launch.name, namespace, this.port, launch.kind), pid: null };
  }

  /** Watches the pod until it is Ready, reporting why it waits; fails fast on an image that cannot be pulled. */
  private untilReady(name: string, deadline: number, signal?: AbortSignal, onPending?: (reason: string) => void): Promise<void> {
    const podName = workspaceObjectName(name);
    const pullGraceMs = this.options.imagePullGraceMs ?? 60_000;
    let reported: string | undefined;
    let pullFailingSince: number | undefined;
    return this.awaitPod(podName, {
      ...(signal ? { signal } : {}),
      timeoutMs: Math.max(1, deadline - Date.now()),
      awaited: 'become ready',
      judge: (pod) => {
        const state = workspacePodState(pod);
        if (state.kind === 'ready') return true;
        if (state.kind === 'gone') return new BackendUnavailableError('workspace', `pod ${podName} ${state.reason}`);
        if (state.reason !== reported) onPending?.((reported = state.reason));
        if (!state.imagePullFailing) pullFailingSince = undefined;
        else if (Date.now() - (pullFailingSince ??= Date.now()) >= pullGraceMs) return new EnvironmentUnavailableError('environment', state.reason);
        return state.reason;
      },
    });
  }

  /** Pods keep running when a worker stops: the workflow's looks go on from any worker. */
  async stopAll(): Promise<void> {}

  /**
   * Asks the server through the API server's pod proxy. JupyterLab: its status API; the API
   * server drops the Authorization header it authenticated the worker with, so Jupyter's token
   * goes as `?token=`. code-server: `/healthz`, which needs no token and counts as no activity;
   * while it says `alive` (a client within the minute) the workspace is in use now, otherwise
   * its last heartbeat is the last activity.
   */
  async probe(name: string, server: WorkspaceServer & { token: string; kind: WorkspaceKind }): Promise<WorkspaceProbe> {
    const { clients } = this.options;
    const podName = workspaceObjectName(name);
    const pod = await ignoreStatus(404, () => clients.core.readNamespacedPod({ name: podName, namespace: this.namespace }));
    const state = workspacePodState(pod);
    if (state.kind === 'gone') return { alive: false, lastActivityMs: null };
    if (state.kind === 'waiting') return { alive: false, lastActivityMs: null, pending: state.reason };
    const proxy = `/api/v1/namespaces/${this.namespace}/pods/${podName}:${this.port}/proxy`;
    try {
      if (server.kind === 'code-server') {
        const answer = await apiServerGet(clients.config, `${proxy}/healthz`, 5_000);
        const health = parseCodeServerHealth(answer.status, answer.body);
        if (!health) return { alive: false, lastActivityMs: null };
        return { alive: true, lastActivityMs: health.status === 'alive' ? Date.now() : health.lastHeartbeat || null };
      }
      const answer = await apiServerGet(clients.config, `${proxy}${workspaceProxyPrefix(name)}api/status?token=${encodeURIComponent(server.token)}`, 5_000);
      return jupyterStatusProbe(answer.status, answer.body);
    } catch {
      return { alive: false, lastActivityMs: null };
    }
  }

  /**
   * Deletes the pod and waits until it is gone: the kubelet stops JupyterLab, then the sidecar
   * stores the files one last time, so a start right after finds them. Then the Service and Secret.
   */
  async stop(name: string, _server: WorkspaceServer | null): Promise<void> {
    const { clients } = this.options;
    const namespace = this.namespace;
    const objectName = workspaceObjectName(name);
    const deleting = await ignoreStatus(404, () => clients.core.deleteNamespacedPod({ name: objectName, namespace }));
    if (deleting) {
      await this.awaitPod(objectName, {
        // Under the stop activity's 1-minute timeout: a pod still storing its files fails this
        // attempt (retried, waiting on the same pod), never a start that would fetch old files.
        timeoutMs: STOP_WAIT_MS,
        awaited: 'stop and store its files',
        // A pod of the same name with another uid is a new one.
        judge: (pod) => !pod || pod.metadata?.uid !== deleting.metadata?.uid || 'stopping (storing the files)',
      });
    }
    await ignoreStatus(404, () => clients.core.deleteNamespacedService({ name: objectName, namespace }));
    await ignoreStatus(404, () => clients.core.deleteNamespacedSecret({ name: objectName, namespace }));
  }

  /** Watches the pod named `podName` until `wait.judge` ends the wait (await-object.ts). */
  private awaitPod(podName: string, wait: Pick<AwaitObjectOptions<V1Pod>, 'signal' | 'timeoutMs' | 'awaited' | 'judge'>): Promise<void> {
    const { clients } = this.options;
    const namespace = this.namespace;
    return awaitObject<V1Pod>({
      ...wait,
      watch: clients.watch,
      path: `/api/v1/namespaces/${namespace}/pods`,
      kind: 'Pod',
      name: podName,
      list: () => clients.core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${podName}` }),
    });
  }

  async remove(name: string): Promise<void> {
    await this.options.artifacts.deletePrefix(workspacePrefix(name));
  }

  /** The copy the sidecar last stored (every 15 s, and when the pod stops). */
  async readMetricsFile(name: string, offset: number, maxBytes: number): Promise<MetricsFileChunk | null> {
    const key = `${workspacePrefix(name)}/files/${WORKSPACE_METRICS_PATH}`;
    if (!(await this.options.artifacts.exists(key))) return null;
    return sliceChunk(await this.options.artifacts.getBuffer(key), offset, maxBytes);
  }

  async withSourceDir<T>(name: string, use: (dir: string) => Promise<T>): Promise<T> {
    const scratch = await mkdtemp(join(tmpdir(), 'kiln-workspace-src-'));
    try {
      const dir = join(scratch, 'src');
      await this.options.artifacts.getDirectory(`${workspacePrefix(name)}/files/src`, dir);
      return await use(dir);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
