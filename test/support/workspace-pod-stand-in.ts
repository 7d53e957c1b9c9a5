import * as k8s from '@kubernetes/client-node';
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from '../../core/artifacts/artifact-store.js';
import type { KubeClients } from '../../core/kubernetes/kube-clients.js';
import { fetchWorkspaceFiles, parseWorkspaceIoPlan, syncWorkspaceFiles } from '../../core/workspaces/kubernetes/workspace-files.js';
import { HASHED_PASSWORD_KEY, serverPortName, TOKEN_KEY, WORKSPACE_IO_ENV } from '../../core/workspaces/kubernetes/workspace-pod.js';
import { CODE_SERVER_COOKIE, codeServerPasswordHash } from '../../core/workspaces/local/code-server.js';
import type { WorkspaceKind } from '../../core/specs/workspace.js';

/** Holds a deleted pod until its sidecar's last sync is done, as a kubelet does within the grace period. */
const SYNC_FINALIZER = 'kiln.dev/stand-in-last-sync';

interface RunningPod {
  root: string;
  server: Server;
  /** The server's `last_activity` (code-server: its last heartbeat, null before any); a user's request moves it. */
  lastActivity: Date | null;
  sidecar: { stop: AbortController; done: Promise<void> };
}

/**
 * Stands in for the kubelet and containers of workspace pods, which the testbed (kwok) never
 * runs. For each workspace pod kwok reports Running it does on this machine what the pod would:
 * the init container's fetch (`fetchWorkspaceFiles`, the code `kiln workspace-io fetch` runs),
 * a server answering JupyterLab's `/api/status` with the token the pod reads from its Secret, or
 * for a code-server pod code-server's `/healthz` (and its session cookie, the token's hash the
 * pod reads from the Secret's second key) (a small HTTP server, not JupyterLab or code-server:
 * the local platform's tests run the real ones), and the
 * sidecar's sync (`syncWorkspaceFiles`). The server listens on this machine's non-loopback
 * address (the API server proxies to no loopback address) at the pod's port, and the pod's
 * status is given that address as its IP, as a network plugin would. A deleted pod keeps a
 * finalizer until the last sync is done. Everything Kubernetes-side (scheduling, GPU
 * accounting, the API server's pod proxy, Services, Secrets, RBAC) is real.
 */
export function startWorkspaceStandIn(admin: KubeClients, artifacts: ArtifactStore, workDir: string) {
  const hostIp = nonLoopbackAddress();
  const running = new Map<string, RunningPod>();
  const handled = new Set<string>();
  let controller: AbortController | undefined;
  let stopped = false;
  const ns = admin.namespace;
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

  const start = async (pod: k8s.V1Pod) => {
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    await admin.core.patchNamespacedPod({ name, namespace: ns, body: { metadata: { finalizers: [SYNC_FINALIZER] } } }, merge);
    const fetch = pod.spec!.initContainers!.find((c) => c.name === 'fetch-files')!;
    const plan = parseWorkspaceIoPlan(fetch.env!.find((e) => e.name === WORKSPACE_IO_ENV)!.value);
    const root = join(workDir, uid);
    await fetchWorkspaceFiles(artifacts, plan, root, join(__dirname, '..', '..', 'sdk', 'python'));
    const main = pod.spec!.containers[0]!;
    const kind = main.name as WorkspaceKind;
    const secretValue = async (variable: string, key: string) => {
      const ref = main.env!.find((e) => e.name === variable)!.valueFrom!.secretKeyRef!;
      if (ref.key !== key) throw new Error(`${variable} reads key ${ref.key} of the Secret, not ${key}`);
      const secret = await admin.core.readNamespacedSecret({ name: ref.name!, namespace: ns });
      return { value: Buffer.from(secret.data![key]!, 'base64').toString('utf8'), token: Buffer.from(secret.data![TOKEN_KEY]!, 'base64').toString('utf8') };
    };
    const state: RunningPod = {
      root,
      lastActivity: kind === 'code-server' ? null : new Date(),
      server: createServer(),
      sidecar: { stop: new AbortController(), done: Promise.resolve() },
    };
    if (kind === 'code-server') {
      // The pod's HASHED_PASSWORD: the token's SHA-256, as code-server's session cookie is.
      const { value: hashed, token } = await secretValue('HASHED_PASSWORD', HASHED_PASSWORD_KEY);
      if (hashed !== codeServerPasswordHash(token)) throw new Error('the Secret’s hashed password is not the token’s SHA-256');
      // code-server serves from `/`; /healthz answers without auth and is no activity.
      state.server.on('request', (req, res) => {
        const url = new URL(req.url ?? '/', 'http://pod');
        const beat = state.lastActivity?.getTime() ?? 0;
        if (url.pathname === '/healthz') {
          res.setHeader('content-type', 'application/json');
          return void res.end(JSON.stringify({ status: Date.now() - beat < 60_000 ? 'alive' : 'expired', lastHeartbeat: beat }));
        }
        if (!req.headers.cookie?.split(/;\s*/).includes(`${CODE_SERVER_COOKIE}=${hashed}`)) return void res.writeHead(302, { location: './login' }).end();
        state.lastActivity = new Date();
        res.end('code-server stand-in');
      });
    } else {
      const { token } = await secretValue('JUPYTER_TOKEN', TOKEN_KEY);
      const started = new Date().toISOString();
      // JupyterLab serves under its base_url (the API proxy's path for the workspace).
      const basePath = main
        .args!.find((a) => a.startsWith('--ServerApp.base_url='))!
        .split('=')[1]!
        .slice(0, -1);
      state.server.on('request', (req, res) => {
        const url = new URL(req.url ?? '/', 'http://pod');
        if (!url.pathname.startsWith(`${basePath}/`)) return void res.writeHead(404).end();
        url.pathname = url.pathname.slice(basePath.length);
        if (url.pathname === '/api') return void res.end(JSON.stringify({ version: 'stand-in' }));
        const given = url.searchParams.get('token') ?? req.headers.authorization?.replace(/^token /, '');
        if (given !== token) return void res.writeHead(403).end();
        if (url.pathname !== '/api/status') state.lastActivity = new Date();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ started, last_activity: state.lastActivity!.toISOString(), connections: 0, kernels: 0 }));
      });
    }
    const port = main.ports!.find((p) => p.name === serverPortName(kind))!.containerPort;
    await new Promise<void>((resolve, reject) => state.server.once('error', reject).listen(port, hostIp, resolve));
    state.sidecar.done = syncWorkspaceFiles(artifacts, plan, root, state.sidecar.stop.signal);
    running.set(uid, state);
    await admin.core.patchNamespacedPodStatus(
      { name, namespace: ns, body: { status: { podIP: hostIp, podIPs: [{ ip: hostIp }] } } },
      // A merge patch replaces the list: a strategic one would add a second IPv4 address, which is invalid.
      merge,
    );
  };

  const end = async (pod: k8s.V1Pod) => {
    const state = running.get(pod.metadata!.uid!);
    running.delete(pod.metadata!.uid!);
    if (state) {
      // The kubelet stops JupyterLab first, then the sidecar, whose last sync stores the files.
      await new Promise((resolve) => state.server.close(resolve));
      state.sidecar.stop.abort();
      await state.sidecar.done;
    }
    await admin.core.patchNamespacedPod({ name: pod.metadata!.name!, namespace: ns, body: { metadata: { finalizers: null } } }, merge).catch(() => undefined);
  };

  const watch = async () => {
    if (stopped) return;
    controller = await admin.watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { labelSelector: 'app.kubernetes.io/component=workspace' },
      (type, pod: k8s.V1Pod) => {
        const uid = pod.metadata?.uid;
        if (!uid) return;
        const key = (what: string) => `${what}:${uid}`;
        const work =
          pod.metadata?.deletionTimestamp && pod.metadata.finalizers?.includes(SYNC_FINALIZER) && !handled.has(key('end'))
            ? (handled.add(key('end')), end(pod))
            : type !== 'DELETED' && !pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running' && !handled.has(key('start'))
              ? (handled.add(key('start')), start(pod))
              : undefined;
        work?.catch((error: unknown) => console.error(`workspace stand-in: ${pod.metadata?.name}:`, error));
      },
      () => void watch(),
    );
  };
  void watch();

  return {
    hostIp,
    /** The files directory of the workspace pod running now under `podName`. */
    async filesOf(podName: string): Promise<string> {
      const pod = await admin.core.readNamespacedPod({ name: podName, namespace: ns });
      const state = running.get(pod.metadata!.uid!);
      if (!state) throw new Error(`workspace stand-in: pod ${podName} is not running here`);
      return join(state.root, 'files');
    },
    stop() {
      stopped = true;
      controller?.abort();
      for (const state of running.values()) {
        state.server.close();
        state.sidecar.stop.abort();
      }
    },
  };
}

/** The API server proxies only to global unicast addresses: the first one this machine has. */
function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'));
    if (found) return found.address;
  }
  throw new Error('workspace stand-in: this machine has no non-loopback IPv4 address for the API server to proxy to');
}
