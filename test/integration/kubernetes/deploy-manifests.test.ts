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
import { buildImageJob } from '../../../core/environments/image/kaniko-job.js';
import { readToolVersions } from '../../../core/environments/tool-paths.js';
import type { StagePlacement } from '../../../core/executors/executor.js';
import { buildStageJob } from '../../../core/executors/kubernetes/stage-job.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { buildModelDeployment } from '../../../core/serving/kubernetes/model-deployment.js';
import { DEPLOY_DIR, applyDeployManifests, deployManifestFiles, readDeployManifests } from '../../support/kube-apply.js';
import { until } from '../../support/kube-until.js';
import { selects } from '../../support/label-selector.js';

const kubeconfig = inject('kubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const config = loadConfig();
const kubectl = join(config.toolsDir, `kubernetes-${(await readToolVersions(config.installDir)).KUBERNETES_VERSION}`, 'bin', 'kubectl');

const deployments = readDeployManifests().filter((o): o is k8s.V1Deployment => o.kind === 'Deployment');
/** Workers create Jobs and Deployments; the API only talks to Temporal and the database, so it has an identity of its own. */
const serviceAccountOf = (d: k8s.V1Deployment) => (d.metadata!.name === 'kiln-api' ? 'kiln-api' : 'kiln-worker');
const manifest = <T extends k8s.KubernetesObject>(kind: string, name: string) =>
  readDeployManifests().find((o) => o.kind === kind && o.metadata?.name === name) as T;
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
    expect(source('api/cli/main.ts')).toMatch(new RegExp(`program\\s*\\.command\\('${subcommand}'\\)`));
    expect(pod.serviceAccountName).toBe(serviceAccountOf(d));
    // Longer than Kiln's own 5 s shutdown grace (workers/create-worker.ts), or SIGKILL cuts it short.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container!.envFrom).toEqual([
      { configMapRef: { name: 'kiln-config' } },
      { secretRef: { name: 'kiln-database' } },
      { secretRef: { name: 'kiln-artifacts' } },
    ]);
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
    const slotsOf = (name: string) =>
      deployments.find((d) => d.metadata!.name === name)!.spec!.template.spec!.containers[0]!.env?.find((e) => e.name === 'KILN_GPU_SLOTS')?.value;
    // Every CPU worker replica with slots would serve the GPU queue too, multiplying them.
    expect(slotsOf('kiln-worker-cpu')).toBe('0');
    expect([slotsOf('kiln-worker-gpu'), slotsOf('kiln-api')]).toEqual([undefined, undefined]);
    const gpu = deployments.find((d) => d.metadata!.name === 'kiln-worker-gpu')!;
    expect(gpu.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  it('gives the API an identity with no token and no binding, and binds only the workers', () => {
    expect(manifest<k8s.V1ServiceAccount>('ServiceAccount', 'kiln-api').automountServiceAccountToken).toBe(false);
    expect(deployments.find((d) => d.metadata!.name === 'kiln-api')!.spec!.template.spec!.automountServiceAccountToken).toBe(false);
    const bindings = readDeployManifests().filter((o): o is k8s.V1RoleBinding => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    expect(bindings.flatMap((b) => b.subjects ?? []).map((s) => s.name)).toEqual(bindings.map(() => 'kiln-worker'));
  });

  it('gives any container without resources default requests and limits, and caps nothing an environment asks for', () => {
    const [limits] = manifest<k8s.V1LimitRange>('LimitRange', 'kiln-defaults').spec!.limits;
    // loadAllYaml gives the client's model classes, which name `default` `_default`.
    expect(limits).toMatchObject({
      type: 'Container',
      defaultRequest: { cpu: expect.any(String), memory: expect.any(String) },
      _default: { cpu: expect.any(String), memory: expect.any(String) },
    });
    expect(limits!.max).toBeUndefined();
  });

  describe('network policies', () => {
    const policies = readDeployManifests().filter((o): o is k8s.V1NetworkPolicy => o.kind === 'NetworkPolicy');
    const selecting = (labels: Record<string, string>, type: 'Ingress' | 'Egress') =>
      policies.filter((p) => p.spec!.policyTypes!.includes(type) && selects(p.spec!.podSelector!, labels));
    const stagePod = { 'app.kubernetes.io/managed-by': 'kiln', 'app.kubernetes.io/component': 'stage' };
    const modelPod = { 'app.kubernetes.io/managed-by': 'kiln', 'app.kubernetes.io/component': 'model-server' };
    const workspacePod = { 'app.kubernetes.io/managed-by': 'kiln', 'app.kubernetes.io/component': 'workspace' };
    const apiPod = deployments.find((d) => d.metadata!.name === 'kiln-api')!.spec!.template.metadata!.labels!;
    const workerPod = deployments.find((d) => d.metadata!.name === 'kiln-worker-cpu')!.spec!.template.metadata!.labels!;

    it.each([
      ['stage', stagePod],
      ['model-server', modelPod],
      ['workspace', workspacePod],
    ])("limit %s pods' egress to DNS, other namespaces than Kiln's and Temporal's, and public addresses", (_label, labels) => {
      const egress = selecting(labels, 'Egress').flatMap((p) => p.spec!.egress ?? []);
      expect(egress.length).toBeGreaterThan(0);
      const peers = egress.flatMap((rule) => rule.to ?? []);
      // No rule without peers (that would allow everything), and no peer in Kiln's own namespace.
      expect(egress.every((rule) => (rule.to ?? []).length > 0)).toBe(true);
      for (const peer of peers) {
        if (peer.ipBlock) expect(peer.ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']));
        else if (peer.podSelector?.matchLabels?.['k8s-app'] !== 'kube-dns') {
          expect(peer.namespaceSelector?.matchExpressions).toEqual([
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: expect.arrayContaining(['kiln', 'temporal']) },
          ]);
        }
      }
    });

    it('let no one connect to stage pods', () => {
      const ingress = selecting(stagePod, 'Ingress');
      expect(ingress.length).toBeGreaterThan(0);
      expect(ingress.flatMap((p) => p.spec!.ingress ?? [])).toEqual([]);
    });

    it('let only the API pods connect to model servers, on the serving port', () => {
      const rules = selecting(modelPod, 'Ingress').flatMap((p) => p.spec!.ingress ?? []);
      expect(rules).toHaveLength(1);
      expect(rules[0]!.ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
      // The client's model class names `from` `_from`.
      const [from] = rules[0]!._from!;
      expect(from!.namespaceSelector).toBeUndefined();
      expect(selects(from!.podSelector!, apiPod)).toBe(true);
      expect(selects(from!.podSelector!, workerPod)).toBe(false);
      expect(selects(from!.podSelector!, stagePod)).toBe(false);
    });

    it("leave Kiln's own pods alone", () => {
      expect([...selecting(apiPod, 'Ingress'), ...selecting(apiPod, 'Egress'), ...selecting(workerPod, 'Egress')]).toEqual([]);
    });
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
      const selector = Object.entries(d.spec!.selector.matchLabels!)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = await until(
        `${name}'s ${d.spec!.replicas} pods to be scheduled`,
        () => core.listNamespacedPod({ namespace: deployed, labelSelector: selector }),
        (list) => list.items.length === d.spec!.replicas && list.items.every((p) => p.spec?.nodeName),
      );
      for (const pod of pods.items)
        expect(pod.spec).toMatchObject({ serviceAccountName: serviceAccountOf(d), nodeName: expect.stringMatching(/^kiln-(cpu|gpu)-node$/) });
      // The Deployment controller counts the pods in its status a moment after the scheduler binds them.
      await until(
        `${name}'s status to count ${d.spec!.replicas} replicas`,
        () => apps.readNamespacedDeployment({ namespace: deployed, name }),
        (read) => read.status?.replicas === d.spec!.replicas,
      );
    }
  });

  it("gives Kiln's own pods a spec the restricted Pod Security Standard admits", async () => {
    // The control: a pod with no security context is refused there, so admission really runs.
    const bare = { metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'kiln:test' }] } };
    await expect(core.createNamespacedPod({ namespace: restricted, body: bare, dryRun: 'All' })).rejects.toMatchObject({ code: 403 });
    for (const d of deployments) {
      const body = { metadata: { name: d.metadata!.name! }, spec: d.spec!.template.spec! };
      await expect(core.createNamespacedPod({ namespace: restricted, body, dryRun: 'All' }), d.metadata!.name).resolves.toBeDefined();
    }
  });

  it("admits the stage and model-server pods Kiln creates under the restricted Pod Security Standard, and Kaniko's under baseline", async () => {
    const settings = KubernetesSettings.parse({ namespace: restricted });
    const stage = buildStageJob(
      { id: 'x', command: ['python', '-m', 'kiln_sdk.stage'], workingDirectory: '/', env: {}, timeoutMs: 60_000 },
      STAGE_PLACEMENT,
      settings,
    ).spec!.template;
    const model = buildModelDeployment(
      { modelName: 'iris', version: 1, image: 'kiln-env:test', artifactPrefix: 'models/iris/1', sourceDigest: 'f'.repeat(64), entrypoint: 'model.py:M' },
      settings,
    ).spec!.template;
    for (const [name, template] of [
      ['stage', stage],
      ['model-server', model],
    ] as const) {
      await expect(
        core.createNamespacedPod({
          namespace: restricted,
          body: { metadata: { name, labels: template.metadata?.labels }, spec: template.spec! },
          dryRun: 'All',
        }),
        name,
      ).resolves.toBeDefined();
    }
    const kaniko = buildImageJob({ digest: 'ab'.repeat(32), destination: 'registry.test/kiln-env:ab', deadlineSeconds: 600 }, settings).spec!.template;
    const body = { metadata: { name: 'kaniko' }, spec: kaniko.spec! };
    // Kaniko must run as root: restricted refuses it, the namespace's baseline admits it.
    await expect(core.createNamespacedPod({ namespace: restricted, body, dryRun: 'All' })).rejects.toMatchObject({ code: 403 });
    await expect(core.createNamespacedPod({ namespace: deployed, body, dryRun: 'All' })).resolves.toBeDefined();
  });
});

const STAGE_PLACEMENT: StagePlacement = {
  project: 'iris',
  runId: 'iris-20261202-030000-abcd',
  stage: 'train',
  attempt: 1,
  image: 'kiln-env:test',
  environmentDigest: 'a'.repeat(64),
  resources: { cpu: '1', memory: '512Mi', gpus: 0 },
  io: { sourceDigest: 's', datasetPrefix: 'd', upstream: {}, params: {}, outputPrefix: 'o', checkpointPrefix: 'c' },
};

/** What the server returns for a sent object: Secrets' stringData comes back base64 in data. */
function asStored(o: k8s.KubernetesObject): object {
  const { stringData, ...rest } = o as k8s.V1Secret;
  if (!stringData) return o;
  return { ...rest, data: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
}
