// Proves deploy/helm/kiln with the real helm (built from the Go module proxy by `make test`):
// `helm lint` is clean; rendered with the values that mean what deploy/kubernetes says, the chart
// gives exactly those objects (Helm's own labels aside), so every check deploy-manifests.test.ts
// and deploy-rbac.test.ts make of them (the Role sufficient and minimal included) holds for the
// chart; its values land where they should; and installed on the testbed its Deployments get pods.
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseApiToken } from '../../../core/access/api-token.js';
import { loadConfig } from '../../../core/config.js';
import { readToolVersions } from '../../../core/environments/tool-paths.js';
import { applyObjects, readDeployManifests } from '../../support/kube-apply.js';
import { until } from '../../support/kube-until.js';

const config = loadConfig();
const CHART = join(config.installDir, 'deploy', 'helm', 'kiln');
const helm = join(config.toolsDir, `helm-${(await readToolVersions(config.installDir)).HELM_VERSION}`, 'bin', 'helm');
const kubeconfig = inject('kubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

async function render(namespace: string, values: Record<string, string>): Promise<k8s.KubernetesObject[]> {
  const sets = Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const { stdout } = await promisify(execFile)(helm, ['template', 'kiln', CHART, '--namespace', namespace, ...sets], { maxBuffer: 16 * 1024 * 1024 });
  // A template that renders nothing leaves an empty document.
  return (k8s.loadAllYaml(stdout) as (k8s.KubernetesObject | null)[]).filter((o): o is k8s.KubernetesObject => o !== null);
}
const key = (o: k8s.KubernetesObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byKey = (objects: k8s.KubernetesObject[]) => Object.fromEntries(objects.map((o) => [key(o), o]));
const find = <T extends k8s.KubernetesObject>(objects: k8s.KubernetesObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name) as T | undefined;
const withoutHelmLabels = (o: k8s.KubernetesObject) => {
  const copy = structuredClone(o);
  for (const label of HELM_LABELS) delete copy.metadata?.labels?.[label];
  return copy;
};

/** What deploy/kubernetes says, as values: its placeholders, the namespace object, no admin-token Secret. */
const secrets = readDeployManifests().filter((o): o is k8s.V1Secret => o.kind === 'Secret');
const AS_KUSTOMIZE = {
  'namespace.create': 'true',
  'adminToken.create': 'false',
  'database.url': secrets.find((s) => s.metadata!.name === 'kiln-database')!.stringData!.KILN_DATABASE_URL!,
  'artifacts.url': secrets.find((s) => s.metadata!.name === 'kiln-artifacts')!.stringData!.KILN_ARTIFACTS_URL!,
};

beforeAll(() => {
  // `make test` builds it (scripts/ensure-tools.sh helm); a missing helm is a failure, never a skip.
  if (!existsSync(helm)) throw new Error(`${helm} is missing: run make test (or scripts/ensure-tools.sh helm)`);
});

describe('deploy/helm/kiln', () => {
  it('lints clean', async () => {
    const { stdout } = await promisify(execFile)(helm, [
      'lint',
      CHART,
      '--strict',
      '--set',
      'database.url=mysql://k:p@db:3306/kiln',
      '--set',
      'artifacts.url=s3://a:s@s3:9000/kiln',
    ]);
    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('renders exactly the objects of deploy/kubernetes with the values that say the same, plus Helm labels on every object', async () => {
    const rendered = await render('kiln', AS_KUSTOMIZE);
    for (const o of rendered) expect(o.metadata?.labels, key(o)).toMatchObject({ 'helm.sh/chart': 'kiln-0.1.0', 'app.kubernetes.io/managed-by': 'Helm' });
    const plain = (objects: k8s.KubernetesObject[]) => JSON.parse(JSON.stringify(byKey(objects))) as unknown;
    expect(plain(rendered.map(withoutHelmLabels))).toEqual(plain(readDeployManifests()));
  });

  it('takes an external Temporal, database and artifact store Secrets, image settings, no GPU workers, a trace collector, and generates the admin token', async () => {
    const rendered = await render('ml', {
      'temporal.address': 'temporal.example:7233',
      'temporal.namespace': 'prod',
      'temporal.kubernetesNamespace': 'temporal-system',
      'database.existingSecret': 'mysql-credentials',
      'artifacts.existingSecret': 's3-credentials',
      'image.repository': 'registry.example/kiln',
      'image.tag': 'v1.2.3',
      'image.pullPolicy': 'IfNotPresent',
      'gpuWorkers.enabled': 'false',
      'stagePods.nodeSelector.pool': 'train',
      'workspaces.codeServerImage': 'codercom/code-server:4.139.1',
      'tracing.otlpEndpoint': 'http://otel-collector.monitoring.svc:4318',
    });
    const cm = find<k8s.V1ConfigMap>(rendered, 'ConfigMap', 'kiln-config')!;
    expect(cm.data).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'prod',
      KILN_K8S_NAMESPACE: 'ml',
      KILN_K8S_KILN_IMAGE: 'registry.example/kiln:v1.2.3',
      KILN_GPU_SLOTS: '0',
      KILN_K8S_ARTIFACTS_SECRET: 's3-credentials',
      KILN_K8S_NODE_SELECTOR: '{"pool":"train"}',
      KILN_K8S_CODE_SERVER_IMAGE: 'codercom/code-server:4.139.1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring.svc:4318',
    });
    // The chart makes no Secret the operator brought, and no GPU worker without GPUs.
    expect(find(rendered, 'Secret', 'kiln-database')).toBeUndefined();
    expect(find(rendered, 'Secret', 'kiln-artifacts')).toBeUndefined();
    expect(find(rendered, 'Deployment', 'kiln-worker-gpu')).toBeUndefined();
    expect(find(rendered, 'Namespace', 'ml')).toBeUndefined();
    const deployments = rendered.filter((o): o is k8s.V1Deployment => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(['kiln-api', 'kiln-worker-cpu']);
    for (const d of deployments) {
      const [container] = d.spec!.template.spec!.containers;
      expect(container).toMatchObject({ image: 'registry.example/kiln:v1.2.3', imagePullPolicy: 'IfNotPresent' });
      expect(container!.envFrom).toEqual([
        { configMapRef: { name: 'kiln-config' } },
        { secretRef: { name: 'mysql-credentials' } },
        { secretRef: { name: 's3-credentials' } },
      ]);
    }
    // Cluster-wide names carry the namespace outside `kiln`; user code may not reach Kiln's or Temporal's namespace.
    expect(find(rendered, 'ClusterRole', 'kiln-node-reader-ml')).toBeDefined();
    expect(find<k8s.V1ClusterRoleBinding>(rendered, 'ClusterRoleBinding', 'kiln-node-reader-ml')!.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'kiln-worker', namespace: 'ml' },
    ]);
    const egress = find<k8s.V1NetworkPolicy>(rendered, 'NetworkPolicy', 'kiln-user-code-egress')!.spec!.egress!;
    expect(egress.flatMap((r) => r.to ?? []).find((p) => p.namespaceSelector?.matchExpressions)?.namespaceSelector?.matchExpressions?.[0]?.values).toEqual([
      'ml',
      'temporal-system',
      'kube-system',
    ]);
    // The admin token: a Kiln token in a Secret every API replica mounts and registers (KILN_ADMIN_TOKEN_FILE).
    const token = Buffer.from(find<k8s.V1Secret>(rendered, 'Secret', 'kiln-admin-token')!.data!.token!, 'base64').toString('utf8');
    expect(parseApiToken(token)).toBeDefined();
    const api = deployments.find((d) => d.metadata!.name === 'kiln-api')!.spec!.template.spec!;
    expect(api.containers[0]!.env).toContainEqual({ name: 'KILN_ADMIN_TOKEN_FILE', value: '/etc/kiln/admin/token' });
    expect(api.containers[0]!.env).toContainEqual({
      name: 'KILN_API_ALLOWED_HOSTS',
      value: 'kiln-api,kiln-api.ml,kiln-api.ml.svc,kiln-api.ml.svc.cluster.local',
    });
    expect(api.volumes).toContainEqual({ name: 'admin-token', secret: { secretName: 'kiln-admin-token', defaultMode: 0o400 } });
  });

  it('refuses to render without a database, naming the value', async () => {
    await expect(render('kiln', { 'artifacts.url': 's3://a:s@s3:9000/kiln' })).rejects.toThrow(/database\.url .* or database\.existingSecret/);
  });
});

// Skipped only outside CI, when the testbed could not start (test/support/test-kubernetes.ts).
describe.skipIf(!kubeconfig)(`deploy/helm/kiln installed on a cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-helm-${process.pid}-${Date.now().toString(36)}`;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let deployments: k8s.V1Deployment[];

  beforeAll(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig!);
    core = kc.makeApiClient(k8s.CoreV1Api);
    const rendered = await render(namespace, { ...AS_KUSTOMIZE, 'cpuWorkers.replicas': '1' });
    // Namespace first; cluster-wide objects owned by it, so deleting the namespace removes them.
    const [created] = await applyObjects(
      kc,
      rendered.filter((o) => o.kind === 'Namespace'),
    );
    const owner = { apiVersion: 'v1', kind: 'Namespace', name: namespace, uid: created!.metadata!.uid! };
    const rest = rendered.filter((o) => o.kind !== 'Namespace');
    for (const o of rest) if (!o.metadata!.namespace) o.metadata!.ownerReferences = [owner];
    await applyObjects(kc, rest);
    deployments = rest.filter((o): o is k8s.V1Deployment => o.kind === 'Deployment');
  });
  afterAll(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('gives each Deployment its pods, scheduled onto the fake nodes, under the namespace Pod Security labels', async () => {
    expect((await core.readNamespace({ name: namespace })).metadata!.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(['kiln-api', 'kiln-worker-cpu', 'kiln-worker-gpu']);
    for (const d of deployments) {
      const selector = Object.entries(d.spec!.selector.matchLabels!)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = await until(
        `${d.metadata!.name}'s ${d.spec!.replicas} pods to be scheduled`,
        () => core.listNamespacedPod({ namespace, labelSelector: selector }),
        (list) => list.items.length === d.spec!.replicas && list.items.every((p) => p.spec?.nodeName),
      );
      for (const pod of pods.items) expect(pod.spec!.serviceAccountName).toBe(d.metadata!.name === 'kiln-api' ? 'kiln-api' : 'kiln-worker');
    }
  });
});
