// Workspaces on Kubernetes (KubernetesWorkspaceHost, and the workspace workflow driving it)
// against a real API server, scheduler and controllers (the testbed). Real: the Pod, Service and
// Secret, scheduling and GPU accounting on a fake 1-GPU node, the scheduler's pending reasons,
// the API server's pod proxy that the probe goes through, the worker's least-privilege Role,
// the Temporal dev server, worker and API. Simulated: containers never run (kwok); the workspace
// stand-in does on this machine what the pod's containers would (fetch the files, answer
// JupyterLab's /api/status with the Secret's token or code-server's /healthz, sync the files
// back on stop), see test/support/workspace-pod-stand-in.ts. JupyterLab and code-server
// themselves are proven by the local platform's workspace tests.
import { ApiException } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KilnApiClient } from '../../../api/client/kiln-api-client.js';
import { readSpecFile } from '../../../api/cli/apply-file.js';
import { BackendUnavailableError } from '../../../core/errors.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { freePort } from '../../../core/net/free-port.js';
import { KubernetesWorkspaceHost } from '../../../core/workspaces/kubernetes/kubernetes-workspace-host.js';
import { CODE_SERVER_COOKIE, codeServerPasswordHash } from '../../../core/workspaces/local/code-server.js';
import type { WorkspaceLaunch } from '../../../core/workspaces/workspace-hosting.js';
import type { EmbeddedStack } from '../../../workers/embedded-stack.js';
import { createPrivateGpuNode } from '../../support/fake-gpu-node.js';
import { bindKilnWorkerRole } from '../../support/kube-apply.js';
import { startPodStandIn } from '../../support/pod-stand-in.js';
import { eventually } from '../../support/process-check.js';
import { startTestStack } from '../../support/test-stack.js';
import { startWorkspaceStandIn } from '../../support/workspace-pod-stand-in.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const fixture = join(__dirname, '..', '..', 'fixtures', 'checkpointing');
const IMAGE = 'registry.test/kiln-env:ws';
const CODE_SERVER_IMAGE = 'codercom/code-server:4.139.1';

describe.skipIf(!kubeconfig)(`Workspaces on Kubernetes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-ws-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let stack: EmbeddedStack;
  let client: KilnApiClient;
  let settings: KubernetesSettings;
  let standIn: ReturnType<typeof startWorkspaceStandIn>;
  let stopBuildStandIn: () => void;
  let gpuNode: Awaited<ReturnType<typeof createPrivateGpuNode>>;
  let host: KubernetesWorkspaceHost;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    // One GPU, on a node of this file's own: other files' pods cannot take it.
    gpuNode = await createPrivateGpuNode(admin, `${namespace}-gpu`, 1);
    await bindKilnWorkerRole(kubeconfig!, namespace);
    settings = KubernetesSettings.parse({
      kubeconfig: workerKubeconfig,
      namespace,
      kilnImage: 'kiln:test',
      imageRegistry: 'registry.test/kiln-env',
      gpuSlots: 1,
      nodeSelector: gpuNode.nodeSelector,
      tolerations: gpuNode.tolerations,
    });
    ({ stack, client } = await startTestStack('k8s-workspaces', { executor: 'kubernetes', kubernetes: settings, workspaceCheckSeconds: 2 }));
    const artifacts = stack.backends.artifacts;
    standIn = startWorkspaceStandIn(admin, artifacts, mkdtempSync(join(tmpdir(), 'kiln-ws-stand-in-')));
    // Environment images for the workflow test: Kaniko's build pods simply succeed.
    stopBuildStandIn = startPodStandIn(admin, artifacts, {
      workDir: mkdtempSync(join(tmpdir(), 'kiln-ws-build-stand-in-')),
      sdkDir: join(__dirname, '..', '..', '..', 'sdk', 'python'),
      python: execFileSync('sh', ['-c', 'command -v python3']).toString().trim(),
    });
    // The worker's own credentials, bound to Kiln's Role: every call below needs no more.
    host = new KubernetesWorkspaceHost({
      clients: connectKubernetes(settings),
      settings,
      artifacts,
      jupyterlabVersion: '4.6.6',
      serverPort: await freePort(),
      // No periodic pass within a test: files reach the store only by the sync as the pod stops.
      syncSeconds: 3600,
    });
  });
  afterAll(async () => {
    standIn?.stop();
    stopBuildStandIn?.();
    await stack?.stop();
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await gpuNode?.remove();
  });

  // A failed test must not leave its pod holding the GPU or the server's port for the next one.
  afterEach(async () => {
    for (const name of ['gpu-nb', 'greedy', 'huge', 'files', 'vs']) await host.stop(name, null);
  });

  const launch = (name: string, gpus: number, token = `token-of-${name}`, kind: WorkspaceLaunch['kind'] = 'jupyterlab'): WorkspaceLaunch => ({
    name,
    kind,
    token,
    environment: { location: IMAGE, pythonExecutable: 'python' },
    limits: { cpu: 1, memory: 1024, gpus },
  });
  const gone = async (read: () => Promise<unknown>) =>
    read().then(
      () => false,
      (error: unknown) => error instanceof ApiException && error.code === 404,
    );
  const objectsGone = async (name: string) => {
    const objectName = `kiln-workspace-${name}`;
    return (
      (await gone(() => admin.core.readNamespacedPod({ name: objectName, namespace }))) &&
      (await gone(() => admin.core.readNamespacedService({ name: objectName, namespace }))) &&
      (await gone(() => admin.core.readNamespacedSecret({ name: objectName, namespace })))
    );
  };

  it('runs the server in a Pod of the environment’s image holding a GPU on the GPU pool, behind a Service, with its token in a Secret', async () => {
    const pending: string[] = [];
    const server = await host.start(launch('gpu-nb', 1), { onPending: (reason) => pending.push(reason) });
    expect(server).toEqual({ url: expect.stringMatching(new RegExp(`^http://kiln-workspace-gpu-nb\\.${namespace}\\.svc:\\d+/workspaces/gpu-nb$`)), pid: null });

    const pod = await admin.core.readNamespacedPod({ name: 'kiln-workspace-gpu-nb', namespace });
    const main = pod.spec!.containers[0]!;
    expect(main.image).toBe(IMAGE);
    // The API server writes 1024Mi in its canonical form.
    expect(main.resources?.limits).toEqual({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' });
    expect(pod.spec!.nodeName).toBe(`${namespace}-gpu`);
    expect(pod.spec!.nodeSelector).toEqual(gpuNode.nodeSelector);
    // The API server adds its default not-ready/unreachable tolerations beside the pool's.
    expect(pod.spec!.tolerations).toEqual(expect.arrayContaining(gpuNode.tolerations.map((t) => expect.objectContaining(t))));
    expect(pod.metadata!.labels).toMatchObject({ 'kiln.dev/workspace': 'gpu-nb', 'app.kubernetes.io/component': 'workspace' });
    // The token reaches the pod from the Secret only: nowhere in the Pod object.
    expect(JSON.stringify(pod)).not.toContain('token-of-gpu-nb');
    const secret = await admin.core.readNamespacedSecret({ name: 'kiln-workspace-gpu-nb', namespace });
    expect(Buffer.from(secret.data!.token!, 'base64').toString()).toBe('token-of-gpu-nb');
    const service = await admin.core.readNamespacedService({ name: 'kiln-workspace-gpu-nb', namespace });
    expect(service.spec).toMatchObject({ type: 'ClusterIP', selector: { 'kiln.dev/workspace': 'gpu-nb' }, ports: [{ targetPort: 'jupyter' }] });

    // Through the API server's pod proxy, with the token; a wrong token is not let in.
    const probe = await host.probe('gpu-nb', { ...server, token: 'token-of-gpu-nb', kind: 'jupyterlab' });
    expect(probe).toEqual({ alive: true, lastActivityMs: expect.any(Number) });
    expect(await host.probe('gpu-nb', { ...server, token: 'wrong', kind: 'jupyterlab' })).toEqual({ alive: false, lastActivityMs: null });

    await host.stop('gpu-nb', server);
    expect(await objectsGone('gpu-nb')).toBe(true);
    // Stopping one already stopped is fine.
    await host.stop('gpu-nb', null);
    expect(await host.probe('gpu-nb', { ...server, token: 'token-of-gpu-nb', kind: 'jupyterlab' })).toEqual({ alive: false, lastActivityMs: null });
  });

  it('runs code-server copied from its image in the environment’s image, serving from `/`, its password hash from the Secret; the probe asks /healthz through the pod proxy', async () => {
    // Without KILN_K8S_CODE_SERVER_IMAGE this cluster runs JupyterLab only.
    expect(host.kinds).toEqual(['jupyterlab']);
    await expect(host.start(launch('vs', 0, 'token-of-vs', 'code-server'))).rejects.toMatchObject({ name: 'EnvironmentUnavailableError', field: 'kind' });
    expect(await objectsGone('vs')).toBe(true);

    const vsHost = new KubernetesWorkspaceHost({
      clients: connectKubernetes(settings),
      settings: { ...settings, codeServerImage: CODE_SERVER_IMAGE },
      artifacts: stack.backends.artifacts,
      jupyterlabVersion: '4.6.6',
      serverPort: await freePort(),
      syncSeconds: 3600,
    });
    expect(vsHost.kinds).toEqual(['jupyterlab', 'code-server']);
    const server = await vsHost.start(launch('vs', 1, 'token-of-vs', 'code-server'));
    // No base path: code-server serves from `/` (the API's proxy strips the workspace's prefix).
    expect(server).toEqual({ url: expect.stringMatching(new RegExp(`^http://kiln-workspace-vs\\.${namespace}\\.svc:\\d+$`)), pid: null });

    const pod = await admin.core.readNamespacedPod({ name: 'kiln-workspace-vs', namespace });
    const main = pod.spec!.containers[0]!;
    expect(main).toMatchObject({ name: 'code-server', image: IMAGE, command: ['/kiln/workspace/code-server-release/bin/code-server'] });
    expect(main.resources?.limits).toEqual({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' });
    expect(pod.spec!.nodeName).toBe(`${namespace}-gpu`);
    expect(pod.spec!.initContainers!.map((c) => [c.name, c.image])).toEqual([
      ['fetch-files', 'kiln:test'],
      ['copy-code-server', CODE_SERVER_IMAGE],
      ['sync-files', 'kiln:test'],
    ]);
    expect(JSON.stringify(pod)).not.toContain('token-of-vs');
    expect(JSON.stringify(pod)).not.toContain(codeServerPasswordHash('token-of-vs'));
    const secret = await admin.core.readNamespacedSecret({ name: 'kiln-workspace-vs', namespace });
    expect(Buffer.from(secret.data!['hashed-password']!, 'base64').toString()).toBe(codeServerPasswordHash('token-of-vs'));
    const service = await admin.core.readNamespacedService({ name: 'kiln-workspace-vs', namespace });
    expect(service.spec).toMatchObject({ selector: { 'kiln.dev/workspace': 'vs' }, ports: [{ targetPort: 'code-server' }] });

    // Through the pod proxy, no token: no client yet, so no heartbeat to report.
    expect(await vsHost.probe('vs', { ...server, token: 'ignored', kind: 'code-server' })).toEqual({ alive: true, lastActivityMs: null });
    // A signed-in client (the session cookie is the password's hash): in use now.
    const port = main.ports![0]!.containerPort;
    const used = await fetch(`http://${standIn.hostIp}:${port}/`, { headers: { cookie: `${CODE_SERVER_COOKIE}=${codeServerPasswordHash('token-of-vs')}` } });
    expect(used.status).toBe(200);
    const before = Date.now();
    const probe = await vsHost.probe('vs', { ...server, token: 'ignored', kind: 'code-server' });
    expect(probe.alive).toBe(true);
    expect(probe.lastActivityMs).toBeGreaterThanOrEqual(before);

    await vsHost.stop('vs', server);
    expect(await objectsGone('vs')).toBe(true);
    expect(await vsHost.probe('vs', { ...server, token: 'ignored', kind: 'code-server' })).toEqual({ alive: false, lastActivityMs: null });
  });

  it('a workspace asking for more GPUs than the node has stays Pending, and start and probe say why', async () => {
    const impatient = new KubernetesWorkspaceHost({
      clients: connectKubernetes(settings),
      settings,
      artifacts: stack.backends.artifacts,
      jupyterlabVersion: '4.6.6',
      startTimeoutMs: 8_000,
    });
    const pending: string[] = [];
    const started = impatient.start(launch('greedy', 2), { onPending: (reason) => pending.push(reason) });
    await expect(started).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(started).rejects.toThrow(/did not become ready: waiting for GPU: 0\/\d+ nodes are available: .*Insufficient nvidia\.com\/gpu/);
    expect(pending).toContainEqual(expect.stringMatching(/^waiting for GPU: .*Insufficient nvidia\.com\/gpu/));
    const pod = await admin.core.readNamespacedPod({ name: 'kiln-workspace-greedy', namespace });
    expect(pod.status?.phase).toBe('Pending');
    expect(await impatient.probe('greedy', { url: '', pid: null, token: 'token-of-greedy', kind: 'jupyterlab' })).toEqual({
      alive: false,
      lastActivityMs: null,
      pending: expect.stringMatching(/^waiting for GPU: /),
    });
    await impatient.stop('greedy', null);
    expect(await objectsGone('greedy')).toBe(true);
  });

  it('refuses, naming resources.gpus, more GPUs than the largest node has, creating nothing', async () => {
    const largest = Math.max(...(await admin.core.listNode()).items.map((n) => Number(n.status?.allocatable?.['nvidia.com/gpu'] ?? 0)));
    await expect(host.start(launch('huge', largest + 1))).rejects.toMatchObject({ name: 'EnvironmentUnavailableError', field: 'resources.gpus' });
    expect(await objectsGone('huge')).toBe(true);
  });

  it('keeps the files across stop and start: the sidecar stores them as the pod stops, the next pod fetches them', async () => {
    const source = mkdtempSync(join(tmpdir(), 'kiln-ws-src-'));
    await writeFile(join(source, 'train.py'), 'print("v1")\n');
    await writeFile(join(source, 'old.py'), 'gone = True\n');
    await host.prepare('files', { sourceDir: source });
    const first = await host.start(launch('files', 0));
    const files = await standIn.filesOf('kiln-workspace-files');
    expect(await readFile(join(files, 'src', 'train.py'), 'utf8')).toBe('print("v1")\n');
    // What a user does in the notebook: edit, add, delete.
    await writeFile(join(files, 'src', 'train.py'), 'print("v2, edited in the workspace")\n');
    await mkdir(join(files, 'checkpoints'), { recursive: true });
    await writeFile(join(files, 'checkpoints', 'step-3.json'), '{"weights": [1, 2]}');
    await rm(join(files, 'src', 'old.py'));
    await host.stop('files', first);

    await host.start(launch('files', 0, 'second-token'));
    const again = await standIn.filesOf('kiln-workspace-files');
    expect(again).not.toBe(files);
    expect(await readFile(join(again, 'src', 'train.py'), 'utf8')).toBe('print("v2, edited in the workspace")\n');
    expect(await readFile(join(again, 'checkpoints', 'step-3.json'), 'utf8')).toBe('{"weights": [1, 2]}');
    expect(existsSync(join(again, 'src', 'old.py'))).toBe(false);
    // A snapshot reads the source as last stored.
    expect(await host.withSourceDir('files', async (dir) => readFile(join(dir, 'train.py'), 'utf8'))).toBe('print("v2, edited in the workspace")\n');
    await host.stop('files', null);
    await host.remove('files');
    expect(await stack.backends.artifacts.list('workspaces/files')).toEqual([]);
  });

  it('a workspace waiting for a GPU shows the scheduler’s reason in the API, and runs once the GPU is free', async () => {
    const spec = readSpecFile(join(fixture, 'kiln.json'));
    await client.applyEnvironment({ ...spec.environment!, name: 'ws-env' });
    await client.applyDataset({ ...spec.dataset!, path: join(fixture, 'data', 'tiny.csv') });
    await client.applyProject({ ...spec.project!, name: 'ws-project', environment: 'ws-env', source_dir: join(fixture, 'src') });
    // Someone else's pod holds the node's only GPU.
    const releaseGpu = await gpuNode.holdGpus(1);
    await client.createWorkspace({ name: 'waits', project: 'ws-project', resources: { gpus: 1 } });
    const waiting = await eventually(
      async () => {
        const shown = await client.getWorkspace('waits');
        return shown.status === 'starting' && /^waiting for GPU: 0\/\d+ nodes are available: .*Insufficient nvidia\.com\/gpu/.test(shown.reason ?? '');
      },
      120_000,
      500,
    );
    expect(waiting).toBe(true);
    await releaseGpu();
    expect(await eventually(async () => (await client.getWorkspace('waits')).status === 'running', 60_000, 500)).toBe(true);
    expect((await client.getWorkspace('waits')).reason).toBeNull();
    await client.stopWorkspace('waits');
    expect(await eventually(async () => (await client.getWorkspace('waits')).status === 'stopped', 60_000, 500)).toBe(true);
    expect(await objectsGone('waits')).toBe(true);
  }, 240_000);

  it('the workspace workflow stops an idle workspace after idle_timeout, deleting its Pod, Service and Secret', async () => {
    // More GPUs than Kiln may use here (KILN_GPU_SLOTS 1) is refused before anything is created.
    await expect(client.createWorkspace({ name: 'too-big', project: 'ws-project', resources: { gpus: 2 } })).rejects.toMatchObject({
      status: 400,
      fields: expect.arrayContaining([expect.objectContaining({ path: 'resources.gpus' })]),
    });

    // code-server is refused, naming `kind`, where KILN_K8S_CODE_SERVER_IMAGE is unset.
    await expect(client.createWorkspace({ name: 'vs-api', project: 'ws-project', kind: 'code-server' })).rejects.toMatchObject({
      status: 400,
      fields: expect.arrayContaining([expect.objectContaining({ path: 'kind' })]),
    });

    await client.createWorkspace({ name: 'idle', project: 'ws-project', idle_timeout: '1m' });
    expect(await eventually(async () => (await client.getWorkspace('idle')).status === 'running', 120_000, 500)).toBe(true);
    const opened = await client.openWorkspace('idle');
    expect(opened.base_url).toBe(`http://kiln-workspace-idle.${namespace}.svc:8888/workspaces/idle`);
    const pod = await admin.core.readNamespacedPod({ name: 'kiln-workspace-idle', namespace });
    expect(pod.spec!.containers[0]!.image).toMatch(/^registry\.test\/kiln-env:[0-9a-f]{64}$/);
    // The project's source was copied in (prepareWorkspace), and the pod fetched it.
    expect(existsSync(join(await standIn.filesOf('kiln-workspace-idle'), 'src', 'trainer.py'))).toBe(true);
    const runningSince = Date.now();

    expect(await eventually(async () => (await client.getWorkspace('idle')).status === 'stopped', 150_000, 1_000)).toBe(true);
    expect(Date.now() - runningSince).toBeGreaterThanOrEqual(50_000);
    expect((await client.getWorkspace('idle')).reason).toBe('idle for 1m (idle_timeout)');
    expect(await objectsGone('idle')).toBe(true);
  }, 360_000);
});
