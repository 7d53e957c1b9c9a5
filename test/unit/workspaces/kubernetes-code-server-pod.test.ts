import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { KubernetesWorkspaceHost } from '../../../core/workspaces/kubernetes/kubernetes-workspace-host.js';
import {
  buildWorkspacePod,
  buildWorkspaceSecret,
  buildWorkspaceService,
  HASHED_PASSWORD_KEY,
  workspaceServiceUrl,
} from '../../../core/workspaces/kubernetes/workspace-pod.js';
import { workspacePodState } from '../../../core/workspaces/kubernetes/workspace-pod-state.js';
import { codeServerPasswordHash } from '../../../core/workspaces/local/code-server.js';

const CODE_SERVER_IMAGE = 'codercom/code-server:4.139.1';

describe('a code-server workspace pod', () => {
  const settings = KubernetesSettings.parse({
    namespace: 'ml',
    nodeSelector: { pool: 'gpu' },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    codeServerImage: CODE_SERVER_IMAGE,
  });
  const input = {
    name: 'vs',
    kind: 'code-server' as const,
    codeServerImage: CODE_SERVER_IMAGE,
    image: 'registry.test/kiln-env:abc',
    limits: { cpu: 2, memory: 4096, gpus: 1 },
    jupyterlabVersion: '4.6.6',
    port: 8888,
    syncSeconds: 15,
  };
  const pod = buildWorkspacePod(input, settings);
  const server = pod.spec!.containers[0]!;
  const env = (name: string) => server.env!.find((e) => e.name === name);

  it('copies code-server’s release from its image into the volume, installing no JupyterLab', () => {
    const [fetch, copy, sync] = pod.spec!.initContainers!;
    expect([fetch!.name, copy!.name, sync!.name]).toEqual(['fetch-files', 'copy-code-server', 'sync-files']);
    expect(copy).toMatchObject({
      image: CODE_SERVER_IMAGE,
      command: ['cp', '-R', '-T', '/usr/lib/code-server', '/kiln/workspace/code-server-release'],
      volumeMounts: [{ name: 'workspace', mountPath: '/kiln/workspace' }],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(JSON.stringify(pod)).not.toMatch(/jupyterlab|pip/);
  });

  it('runs the copy in the environment’s image with the resources, GPU and node pool of a JupyterLab workspace', () => {
    expect(server).toMatchObject({ name: 'code-server', image: 'registry.test/kiln-env:abc', workingDir: '/kiln/workspace/files' });
    expect(server.command).toEqual(['/kiln/workspace/code-server-release/bin/code-server']);
    expect(server.args).toEqual([
      '--bind-addr=0.0.0.0:8888',
      '--auth=password',
      '--config=/kiln/workspace/code-server/config.yaml',
      '--user-data-dir=/kiln/workspace/code-server/user-data',
      '--extensions-dir=/kiln/workspace/code-server/extensions',
      '--disable-update-check',
      '--disable-telemetry',
      '--ignore-last-opened',
      '/kiln/workspace/files',
    ]);
    expect(server.resources).toEqual({
      requests: { cpu: '2', memory: '4096Mi', 'nvidia.com/gpu': '1' },
      limits: { cpu: '2', memory: '4096Mi', 'nvidia.com/gpu': '1' },
    });
    expect(pod.spec).toMatchObject({ nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] });
    expect(pod.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });

  it('takes the token’s hash from the Secret as HASHED_PASSWORD; neither token nor hash is in the pod spec', () => {
    expect(env('HASHED_PASSWORD')).toEqual({ name: 'HASHED_PASSWORD', valueFrom: { secretKeyRef: { name: 'kiln-workspace-vs', key: HASHED_PASSWORD_KEY } } });
    expect(env('JUPYTER_TOKEN')).toBeUndefined();
    const secret = buildWorkspaceSecret('vs', 'the-token', settings);
    expect(secret.stringData).toEqual({ token: 'the-token', [HASHED_PASSWORD_KEY]: codeServerPasswordHash('the-token') });
    expect(JSON.stringify(pod)).not.toContain(codeServerPasswordHash('the-token'));
  });

  it('keeps kiln_sdk, checkpoints, the metrics file and code-server’s state in the volume, and the image’s PATH (the environment’s python)', () => {
    expect(env('PYTHONPATH')?.value).toBe('/kiln/workspace/sdk');
    expect(env('KILN_CHECKPOINT_DIR')?.value).toBe('/kiln/workspace/files/checkpoints');
    expect(env('KILN_WORKSPACE_METRICS_FILE')?.value).toBe('/kiln/workspace/files/.kiln/metrics.jsonl');
    expect(env('XDG_DATA_HOME')?.value).toBe('/kiln/workspace/code-server/data');
    expect(env('PATH')).toBeUndefined();
  });

  it('is ready when /healthz answers, behind a Service on its port, at a URL without the proxy’s path', () => {
    expect(server.ports).toEqual([{ name: 'code-server', containerPort: 8888 }]);
    expect(server.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'code-server' });
    expect(buildWorkspaceService('vs', 8888, settings, 'code-server').spec!.ports).toEqual([{ name: 'code-server', port: 8888, targetPort: 'code-server' }]);
    expect(workspaceServiceUrl('vs', 'ml', 8888, 'code-server')).toBe('http://kiln-workspace-vs.ml.svc:8888');
    expect(workspaceServiceUrl('nb', 'ml', 8888, 'jupyterlab')).toBe('http://kiln-workspace-nb.ml.svc:8888/workspaces/nb');
  });

  it('is refused, naming kind, without the code-server image', () => {
    expect(() => buildWorkspacePod({ ...input, codeServerImage: undefined }, settings)).toThrow(expect.objectContaining({ field: 'kind' }));
    const host = (codeServerImage?: string) =>
      new KubernetesWorkspaceHost({
        clients: undefined as never,
        settings: KubernetesSettings.parse({ ...(codeServerImage ? { codeServerImage } : {}) }),
        artifacts: undefined as never,
        jupyterlabVersion: '4',
      });
    expect(host().kinds).toEqual(['jupyterlab']);
    expect(host(CODE_SERVER_IMAGE).kinds).toEqual(['jupyterlab', 'code-server']);
  });

  it('its crash loop names the server', () => {
    const state = workspacePodState({
      ...pod,
      spec: { ...pod.spec!, nodeName: 'n1' },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'code-server',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, message: 'GLIBC_2.28 not found' } },
          },
        ],
      },
    });
    expect(state).toEqual({ kind: 'waiting', reason: 'the server (code-server) keeps exiting: GLIBC_2.28 not found' });
  });
});

describe('KILN_K8S_CODE_SERVER_IMAGE', () => {
  const kubernetes = (env: Record<string, string>) => loadConfig({}, { KILN_EXECUTOR: 'kubernetes', ...env }).kubernetes!;
  it('names the code-server image on the Kubernetes platform; unset or empty, none', () => {
    expect(kubernetes({ KILN_K8S_CODE_SERVER_IMAGE: CODE_SERVER_IMAGE }).codeServerImage).toBe(CODE_SERVER_IMAGE);
    expect(kubernetes({ KILN_K8S_CODE_SERVER_IMAGE: '' }).codeServerImage).toBeUndefined();
    expect(kubernetes({}).codeServerImage).toBeUndefined();
  });
});
