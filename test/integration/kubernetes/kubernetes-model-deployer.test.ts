// Model serving on Kubernetes (KubernetesModelDeployer) against a real API server and real
// Deployment and ReplicaSet controllers (the testbed). Simulated: containers never run; kwok
// marks each pod Running and Ready as a kubelet would once its readiness probe passed. What the
// server does inside the pod is proven locally (kiln_sdk.serve tests).
import { RbacAuthorizationV1Api, type V1Deployment, type V1PolicyRule, type V1ReplicaSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NotFoundError } from '../../../core/errors.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { KubernetesModelDeployer } from '../../../core/serving/kubernetes/kubernetes-model-deployer.js';
import { modelVersionInput } from '../../support/model-version-input.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const VERSION = 'kiln.dev/model-version';
/** Every verb KubernetesModelDeployer uses, and no other: the least-privilege Role's share for serving. */
const DEPLOYER_RULES: V1PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'get', 'update', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['services'], verbs: ['create'] },
];

describe.skipIf(!kubeconfig)(`Kubernetes model deployer${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-serve-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let deployer: KubernetesModelDeployer;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    deployer = new KubernetesModelDeployer({
      clients: admin,
      settings: KubernetesSettings.parse({ kubeconfig, namespace, kilnImage: 'kiln:test' }),
      rolloutTimeoutSeconds: 60,
    });
  });
  afterAll(async () => {
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  const version = (modelName: string, v: number) => modelVersionInput(modelName, v, 2);
  const readDeployment = (modelName: string) => admin.apps.readNamespacedDeployment({ namespace, name: `kiln-model-${modelName}` });
  const replicaSets = async (modelName: string) =>
    (await admin.apps.listNamespacedReplicaSet({ namespace, labelSelector: `kiln.dev/model=${modelName}` })).items;
  const byVersion = (sets: V1ReplicaSet[], v: number) => sets.filter((rs) => rs.spec?.template?.metadata?.labels?.[VERSION] === String(v));

  /** Records every state of the model's Deployment and ReplicaSets, in order, from one watch each. */
  async function observe(modelName: string) {
    const events: Array<{ kind: 'deployment'; d: V1Deployment } | { kind: 'replicaset'; rs: V1ReplicaSet }> = [];
    const start = async (path: string, selector: Record<string, string>, rv: string | undefined, push: (o: never) => void) =>
      admin.watch.watch(
        path,
        { ...selector, ...(rv ? { resourceVersion: rv } : {}) },
        (_type, object) => push(object as never),
        () => undefined,
      );
    const dList = await admin.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=kiln-model-${modelName}` });
    const rsList = await admin.apps.listNamespacedReplicaSet({ namespace, labelSelector: `kiln.dev/model=${modelName}` });
    dList.items.forEach((d) => events.push({ kind: 'deployment', d }));
    const watches = await Promise.all([
      start(
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        { fieldSelector: `metadata.name=kiln-model-${modelName}` },
        dList.metadata?.resourceVersion,
        (d: V1Deployment) => events.push({ kind: 'deployment', d }),
      ),
      start(
        `/apis/apps/v1/namespaces/${namespace}/replicasets`,
        { labelSelector: `kiln.dev/model=${modelName}` },
        rsList.metadata?.resourceVersion,
        (rs: V1ReplicaSet) => events.push({ kind: 'replicaset', rs }),
      ),
    ]);
    return { events, stop: () => watches.forEach((w) => w.abort()) };
  }

  it('creates the Deployment and Service and returns the in-cluster URL once every replica is available', async () => {
    const deployed = await deployer.deploy(version('iris', 1));
    expect(deployed).toEqual({ url: `http://kiln-model-iris.${namespace}.svc:8080`, deploymentName: 'kiln-model-iris', modelName: 'iris', version: 1 });
    const deployment = await readDeployment('iris');
    expect(deployment.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    expect(deployment.spec!.template.spec!.containers[0]!.image).toBe('registry.test/kiln-env:env-1');
    expect(deployment.spec!.template.metadata!.annotations).toMatchObject({ [VERSION]: '1' });
    const service = await admin.core.readNamespacedService({ namespace, name: 'kiln-model-iris' });
    expect(service.spec).toMatchObject({ selector: { 'kiln.dev/model': 'iris' }, ports: [expect.objectContaining({ port: 8080, targetPort: 'http' })] });
    const pods = await admin.core.listNamespacedPod({ namespace, labelSelector: 'kiln.dev/model=iris' });
    expect(pods.items.map((p) => p.status?.initContainerStatuses?.[0]?.name)).toEqual(['fetch-model', 'fetch-model']);
  });

  it('deploying the version already served changes nothing', async () => {
    await deployer.deploy(version('steady', 1));
    const before = await readDeployment('steady');
    await deployer.deploy(version('steady', 1));
    const after = await readDeployment('steady');
    expect(after.metadata!.generation).toBe(before.metadata!.generation);
    expect((await replicaSets('steady')).length).toBe(1);
  });

  it('promotes v2 by a rolling update: capacity never drops, and v1 is scaled to 0 only after v2 is ready', async () => {
    await deployer.deploy(version('rolling', 1));
    const watched = await observe('rolling');
    try {
      await deployer.deploy(version('rolling', 2));
    } finally {
      watched.stop();
    }
    const deployments = watched.events.flatMap((e) => (e.kind === 'deployment' ? [e.d] : []));
    expect(deployments.length).toBeGreaterThan(2);
    // maxUnavailable 0: no state the watch delivered ever had fewer available replicas than desired.
    expect(Math.min(...deployments.map((d) => d.status?.availableReplicas ?? 0))).toBe(2);
    // The watch saw the rollout under way (a surge pod beside the two), not only its end. On a
    // loaded machine the status can briefly count a replaced pod too, so this is a lower bound.
    expect(Math.max(...deployments.map((d) => d.status?.replicas ?? 0))).toBeGreaterThanOrEqual(3);

    const v1ScaledDown = watched.events.findIndex((e) => e.kind === 'replicaset' && e.rs.metadata?.labels?.[VERSION] === '1' && e.rs.spec?.replicas === 0);
    const v2Ready = watched.events.findIndex((e) => e.kind === 'replicaset' && e.rs.metadata?.labels?.[VERSION] === '2' && e.rs.status?.readyReplicas === 2);
    expect(v2Ready).toBeGreaterThanOrEqual(0);
    expect(v1ScaledDown).toBeGreaterThan(v2Ready);

    const sets = await replicaSets('rolling');
    expect(byVersion(sets, 1)[0]!.spec!.replicas).toBe(0);
    expect(byVersion(sets, 2)[0]!.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
  });

  it('rolls back to v1’s template, scaling v1’s own ReplicaSet back up', async () => {
    await deployer.deploy(version('undo', 1));
    const v1Set = byVersion(await replicaSets('undo'), 1)[0]!;
    await deployer.deploy(version('undo', 2));
    const back = await deployer.rollback('undo', 1);
    expect(back).toMatchObject({ version: 1, url: `http://kiln-model-undo.${namespace}.svc:8080` });

    const deployment = await readDeployment('undo');
    expect(deployment.spec!.template.metadata!.labels![VERSION]).toBe('1');
    expect(deployment.spec!.template.spec!.containers[0]!.image).toBe('registry.test/kiln-env:env-1');
    expect(deployment.metadata!.labels![VERSION]).toBe('1');
    expect(deployment.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2, replicas: 2 });
    const sets = await replicaSets('undo');
    expect(sets).toHaveLength(2);
    expect(byVersion(sets, 1)[0]!.metadata!.uid).toBe(v1Set.metadata!.uid);
    expect(byVersion(sets, 1)[0]!.status?.readyReplicas).toBe(2);
    expect(byVersion(sets, 2)[0]!.spec!.replicas).toBe(0);
  });

  it('refuses to roll back to a version that was never deployed, or a model that is not deployed', async () => {
    await deployer.deploy(version('once', 1));
    await expect(deployer.rollback('once', 7)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deployer.rollback('never-deployed', 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('needs no verbs beyond its declared rules: deploy, promote, roll back', async () => {
    const rbac = admin.config.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'model-deployer' }, rules: DEPLOYER_RULES } });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'model-deployer' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'model-deployer' },
        subjects: [{ kind: 'User', name: 'kiln-worker' }],
      },
    });
    const worker = connectKubernetes({ kubeconfig: workerKubeconfig!, namespace });
    // The authorizer learns of a new binding through its own watch: give it a moment.
    const deadline = Date.now() + 10_000;
    while (
      !(await worker.apps.listNamespacedDeployment({ namespace }).then(
        () => true,
        () => false,
      ))
    ) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    await expect(worker.core.listNamespacedPod({ namespace })).rejects.toMatchObject({ code: 403 });

    const least = new KubernetesModelDeployer({
      clients: worker,
      settings: KubernetesSettings.parse({ namespace, kilnImage: 'kiln:test' }),
      rolloutTimeoutSeconds: 60,
    });
    await least.deploy(version('least', 1));
    await least.deploy(version('least', 2));
    await least.rollback('least', 1);
    expect((await readDeployment('least')).spec!.template.metadata!.labels![VERSION]).toBe('1');
  });
});
