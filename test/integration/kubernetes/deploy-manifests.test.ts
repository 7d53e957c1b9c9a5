// Proves deploy/kubernetes/ against the testbed (scripts/k8s-testbed.sh): every manifest applies
// as written into a fresh namespace, and its Deployments get pods. Real here: the API server's
// validation, Pod Security admission, the Deployment controller and the scheduler. Simulated: the
// pods' containers (kwok), so Kiln itself never starts in them. The Role is proven in
// deploy-rbac.test.ts.
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../core/config.js';
import { readToolVersions } from '../../../core/environments/tool-paths.js';
import { DEPLOY_DIR, applyDeployManifests, deployManifestFiles, readDeployManifests } from '../../support/kube-apply.js';
import { until } from '../../support/kube-until.js';

const kubeconfig = inject('kubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const config = loadConfig();
const kubectl = join(config.toolsDir, `kubernetes-${(await readToolVersions(config.installDir)).KUBERNETES_VERSION}`, 'bin', 'kubectl');

const deployments = readDeployManifests().filter((o): o is k8s.V1Deployment => o.kind === 'Deployment');
const source = (path: string) => readFileSync(join(config.installDir, path), 'utf8');

describe('deploy/kubernetes, as written', () => {
  it('lists every manifest in kustomization.yaml', () => {
    const files = readdirSync(DEPLOY_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...deployManifestFiles()].sort()).toEqual(files.sort());
  });

  // The pinned kubectl is built by `make test` (k8s-tools); only a hand-run outside CI may lack it.
  it.skipIf(!existsSync(kubectl) && process.env.CI !== 'true')('renders through `kubectl kustomize` to exactly those objects', async () => {
    const { stdout } = await promisify(execFile)(kubectl, ['kustomize', DEPLOY_DIR]);
    const key = (o: k8s.KubernetesObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const byKey = (objects: k8s.KubernetesObject[]) => Object.fromEntries(objects.map((o) => [key(o), o]));
    expect(byKey(k8s.loadAllYaml(stdout) as k8s.KubernetesObject[])).toEqual(byKey(readDeployManifests()));
  });

  it.each(deployments.map((d) => [d.metadata!.name!, d] as const))('%s runs a real `kiln` command, unprivileged, with the shared config', (_name, d) => {
    const pod = d.spec!.template.spec!;
    const [container] = pod.containers;
    const subcommand = container!.command!.at(-1)!;
    expect(container!.command).toEqual(['node', 'bin/kiln.js', subcommand]);
    expect(source('api/cli/main.ts')).toContain(`program.command('${subcommand}')`);
    expect(pod.serviceAccountName).toBe('kiln-worker');
    // Longer than Kiln's own 5 s shutdown grace (workers/create-worker.ts), or SIGKILL cuts it short.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container!.envFrom).toEqual([{ configMapRef: { name: 'kiln-config' } }, { secretRef: { name: 'kiln-database' } }, { secretRef: { name: 'kiln-artifacts' } }]);
    expect(container!.resources?.requests).toBeDefined();
  });

  it('probes the API on the route the API serves', () => {
    const api = deployments.find((d) => d.metadata!.name === 'kiln-api')!;
    expect(api.spec!.template.spec!.containers[0]!.readinessProbe?.httpGet).toMatchObject({ path: '/v1/health', port: 'http' });
    expect(source('api/http/routes.ts')).toContain("path: '/v1/health'");
  });

  it('serves the GPU queue from exactly one pod, with the configured slots', () => {
    const config = readDeployManifests().find((o): o is k8s.V1ConfigMap => o.kind === 'ConfigMap' && o.metadata?.name === 'kiln-config')!;
    expect(config.data?.KILN_GPU_SLOTS).toMatch(/^[1-9]\d*$/);
    const slotsOf = (name: string) => deployments.find((d) => d.metadata!.name === name)!.spec!.template.spec!.containers[0]!.env?.find((e) => e.name === 'KILN_GPU_SLOTS')?.value;
    // Every CPU worker replica with slots would serve the GPU queue too, multiplying them.
    expect(slotsOf('kiln-worker-cpu')).toBe('0');
    expect([slotsOf('kiln-worker-gpu'), slotsOf('kiln-api')]).toEqual([undefined, undefined]);
    const gpu = deployments.find((d) => d.metadata!.name === 'kiln-worker-gpu')!;
    expect(gpu.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });
});

// Skipped only outside CI, when the testbed could not start (test/support/test-kubernetes.ts).
describe.skipIf(!kubeconfig)(`deploy/kubernetes applied to a cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  /** Where the manifests go (their `kiln`), and a namespace enforcing the restricted Pod Security Standard. */
  const deployed = `kiln-deploy-${suffix}`;
  const restricted = `kiln-restricted-${suffix}`;
  let kc: k8s.KubeConfig, core: k8s.CoreV1Api, sent: k8s.KubernetesObject[];

  beforeAll(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig!);
    core = kc.makeApiClient(k8s.CoreV1Api);
    sent = await applyDeployManifests(kc, deployed);
    await core.createNamespace({ body: { metadata: { name: restricted, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  });
  afterAll(async () => {
    for (const name of [deployed, restricted]) await core?.deleteNamespace({ name }).catch(() => undefined);
  });

  it('stores every object as written', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const o of sent) {
      const stored = await objects.read({ apiVersion: o.apiVersion!, kind: o.kind!, metadata: { name: o.metadata!.name!, namespace: o.metadata!.namespace! } });
      expect(stored, `${o.kind} ${o.metadata!.name}`).toMatchObject(asStored(o));
    }
  });

  it('gives each Deployment its pods, scheduled onto the fake nodes', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    for (const d of deployments) {
      const name = d.metadata!.name!;
      const selector = Object.entries(d.spec!.selector.matchLabels!).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = await until(
        `${name}'s ${d.spec!.replicas} pods to be scheduled`,
        () => core.listNamespacedPod({ namespace: deployed, labelSelector: selector }),
        (list) => list.items.length === d.spec!.replicas && list.items.every((p) => p.spec?.nodeName),
      );
      for (const pod of pods.items) expect(pod.spec).toMatchObject({ serviceAccountName: 'kiln-worker', nodeName: expect.stringMatching(/^kiln-(cpu|gpu)-node$/) });
      // The Deployment controller counts the pods in its status a moment after the scheduler binds them.
      await until(`${name}'s status to count ${d.spec!.replicas} replicas`, () => apps.readNamespacedDeployment({ namespace: deployed, name }), (read) => read.status?.replicas === d.spec!.replicas);
    }
  });

  it('gives Kiln\'s own pods a spec the restricted Pod Security Standard admits', async () => {
    // The control: a pod with no security context is refused there, so admission really runs.
    const bare = { metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'kiln:test' }] } };
    await expect(core.createNamespacedPod({ namespace: restricted, body: bare, dryRun: 'All' })).rejects.toMatchObject({ code: 403 });
    for (const d of deployments) {
      const body = { metadata: { name: d.metadata!.name! }, spec: d.spec!.template.spec! };
      await expect(core.createNamespacedPod({ namespace: restricted, body, dryRun: 'All' }), d.metadata!.name).resolves.toBeDefined();
    }
  });
});

/** What the server returns for a sent object: Secrets' stringData comes back base64 in data. */
function asStored(o: k8s.KubernetesObject): object {
  const { stringData, ...rest } = o as k8s.V1Secret;
  if (!stringData) return o;
  return { ...rest, data: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
}
