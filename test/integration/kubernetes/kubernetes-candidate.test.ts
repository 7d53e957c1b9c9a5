// A rollout's candidate on Kubernetes (KubernetesCandidateDeployer) beside a model's Deployment,
// against the testbed's real API server, Deployment, ReplicaSet and EndpointSlice controllers and
// garbage collector, as the kiln-worker user bound to deploy/kubernetes' Role (so that Role is
// proven sufficient). Which pods each Service and NetworkPolicy selects is asked of the API server
// and read from the EndpointSlices the controller fills. Simulated: containers never run; kwok
// marks each pod Running and Ready. The router that sends a canary's share to the candidate's URL
// is the API's PredictionRouter, proven on real servers in test/integration/rollout/.
import { DiscoveryV1Api, type V1LabelSelector, type V1NetworkPolicy, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { KubernetesCandidateDeployer } from '../../../core/serving/kubernetes/kubernetes-candidate-deployer.js';
import { KubernetesModelDeployer } from '../../../core/serving/kubernetes/kubernetes-model-deployer.js';
import { bindKilnWorkerRole, readDeployManifests } from '../../support/kube-apply.js';
import { until } from '../../support/kube-until.js';
import { selectorQuery } from '../../support/label-selector.js';
import { modelVersionInput } from '../../support/model-version-input.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const VERSION = 'kiln.dev/model-version';
const HOLD = 'kiln.dev/test-hold';

describe.skipIf(!kubeconfig)(`rollout candidates on Kubernetes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-cand-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let models: KubernetesModelDeployer;
  let candidates: KubernetesCandidateDeployer;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    await bindKilnWorkerRole(kubeconfig!, namespace);
    const options = {
      clients: connectKubernetes({ kubeconfig: workerKubeconfig!, namespace }),
      settings: KubernetesSettings.parse({ namespace, kilnImage: 'kiln:test' }),
      rolloutTimeoutSeconds: 60,
    };
    models = new KubernetesModelDeployer(options);
    candidates = new KubernetesCandidateDeployer(options);
  });
  afterAll(async () => {
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  const version = (modelName: string, v: number, replicas = 1) => modelVersionInput(modelName, v, replicas);
  const readModel = (modelName: string) => admin.apps.readNamespacedDeployment({ namespace, name: `kiln-model-${modelName}` });
  const readCandidate = (modelName: string) => admin.apps.readNamespacedDeployment({ namespace, name: `kiln-candidate-${modelName}` });
  /** The pods the API server finds for `selector` (terminating ones too, unless `live`). */
  const podsOf = async (selector: V1LabelSelector, live = true): Promise<V1Pod[]> =>
    (await admin.core.listNamespacedPod({ namespace, labelSelector: selectorQuery(selector) })).items.filter((p) => !live || !p.metadata?.deletionTimestamp);
  const names = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name!).sort();
  const serviceSelector = async (name: string): Promise<V1LabelSelector> => ({
    matchLabels: (await admin.core.readNamespacedService({ namespace, name })).spec!.selector!,
  });
  /** The pods the EndpointSlice controller put behind a Service: where its traffic really goes. */
  const endpointPods = async (service: string) => {
    const slices = await admin.config
      .makeApiClient(DiscoveryV1Api)
      .listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
    return slices.items.flatMap((s) => (s.endpoints ?? []).map((e) => e.targetRef?.name ?? '')).sort();
  };

  it('starts the challenger as its own Deployment and Service, whose pods the model’s Service never selects, nor the candidate’s the champion’s', async () => {
    await models.deploy(version('iris', 1, 2));
    const championBefore = await readModel('iris');
    const candidate = await candidates.start(version('iris', 2));
    expect(candidate).toMatchObject({ url: `http://kiln-candidate-iris.${namespace}.svc:8080`, deploymentName: 'kiln-candidate-iris', version: 2 });

    const deployment = await readCandidate('iris');
    expect(deployment.metadata!.uid).toBe(candidate.uid);
    expect(deployment.status).toMatchObject({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    const server = deployment.spec!.template.spec!.containers[0]!;
    expect(server.image).toBe('registry.test/kiln-env:env-2');
    expect(server.env).toContainEqual({ name: 'KILN_MODEL_VERSION', value: '2' });
    const service = await admin.core.readNamespacedService({ namespace, name: 'kiln-candidate-iris' });
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [expect.objectContaining({ port: 8080, targetPort: 'http' })] });

    const candidatePods = await podsOf(deployment.spec!.selector);
    expect(candidatePods).toHaveLength(1);
    expect(candidatePods[0]!.metadata!.labels).toMatchObject({ 'app.kubernetes.io/component': 'model-server', [VERSION]: '2' });
    expect(candidatePods[0]!.metadata!.labels).not.toHaveProperty('kiln.dev/model');
    const championPods = await podsOf(championBefore.spec!.selector);
    expect(championPods.map((p) => p.metadata!.labels![VERSION])).toEqual(['1', '1']);

    // Each Service selects its own pods only, as the API server evaluates the selectors...
    expect(names(await podsOf(await serviceSelector('kiln-model-iris')))).toEqual(names(championPods));
    expect(names(await podsOf(await serviceSelector('kiln-candidate-iris')))).toEqual(names(candidatePods));
    // ...and as the EndpointSlice controller routes them.
    await until(
      'the candidate Service’s endpoints',
      () => endpointPods('kiln-candidate-iris'),
      (pods) => pods.join() === names(candidatePods).join(),
    );
    await until(
      'the model Service’s endpoints',
      () => endpointPods('kiln-model-iris'),
      (pods) => pods.join() === names(championPods).join(),
    );

    // The same NetworkPolicies select the candidate's pods as the champion's: only the API may connect, egress limited.
    const policies = readDeployManifests().filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy');
    const selecting = async (pod: V1Pod) => {
      const chosen: string[] = [];
      for (const policy of policies) if (names(await podsOf(policy.spec!.podSelector!)).includes(pod.metadata!.name!)) chosen.push(policy.metadata!.name!);
      return chosen;
    };
    expect(await selecting(candidatePods[0]!)).toEqual(['kiln-user-code-egress', 'kiln-model-server-ingress']);
    expect(await selecting(championPods[0]!)).toEqual(await selecting(candidatePods[0]!));

    const championAfter = await readModel('iris');
    expect(championAfter.metadata!.generation).toBe(championBefore.metadata!.generation);
    expect(championAfter.spec).toEqual(championBefore.spec);
  });

  it('starting the same version again returns the same candidate, untouched', async () => {
    const before = await readCandidate('iris');
    const pods = names(await podsOf(before.spec!.selector));
    const again = await candidates.start(version('iris', 2));
    const after = await readCandidate('iris');
    expect(again.uid).toBe(before.metadata!.uid);
    expect(after.metadata!.generation).toBe(before.metadata!.generation);
    expect(names(await podsOf(after.spec!.selector))).toEqual(pods);
  });

  it('rolls a candidate of another version over to the new one; stopping the earlier version then leaves it alone', async () => {
    const before = await readCandidate('iris');
    const v3 = await candidates.start(version('iris', 3));
    expect(v3.uid).toBe(before.metadata!.uid);
    const after = await readCandidate('iris');
    expect(after.spec!.template.metadata!.labels![VERSION]).toBe('3');
    expect((await podsOf(after.spec!.selector)).map((p) => p.metadata!.labels![VERSION])).toEqual(['3']);

    await candidates.stop('iris', 2);
    expect((await readCandidate('iris')).metadata).toMatchObject({ uid: v3.uid, generation: after.metadata!.generation });
    expect((await readCandidate('iris')).metadata!.deletionTimestamp).toBeUndefined();
  });

  it('stopping deletes the candidate’s Deployment, Service and pods, stopping again is fine, and the champion never changed', async () => {
    const champion = await readModel('iris');
    const selector = (await readCandidate('iris')).spec!.selector;
    await candidates.stop('iris', 3);
    await expect(admin.core.readNamespacedService({ namespace, name: 'kiln-candidate-iris' })).rejects.toMatchObject({ code: 404 });
    await until(
      'the candidate Deployment, its ReplicaSets and pods to be gone',
      async () => [
        ...(await admin.apps.listNamespacedDeployment({ namespace, fieldSelector: 'metadata.name=kiln-candidate-iris' })).items,
        ...(await admin.apps.listNamespacedReplicaSet({ namespace, labelSelector: selectorQuery(selector) })).items,
        ...(await podsOf(selector, false)),
      ],
      (left) => left.length === 0,
    );
    await candidates.stop('iris', 3);

    const after = await readModel('iris');
    expect(after.metadata!.generation).toBe(champion.metadata!.generation);
    expect(after.status).toMatchObject({ replicas: 2, availableReplicas: 2 });
    expect((await podsOf(after.spec!.selector)).map((p) => p.metadata!.labels![VERSION])).toEqual(['1', '1']);
  });

  it('a candidate started while the last one’s pods are still being deleted waits for them, and its wait can be aborted', async () => {
    await models.deploy(version('held', 1));
    const first = await candidates.start(version('held', 2));
    const selector = (await readCandidate('held')).spec!.selector;
    const [pod] = await podsOf(selector);
    // A finalizer keeps the pod, and so the foreground-deleted Deployment, until it is removed.
    await admin.core.patchNamespacedPod({ namespace, name: pod!.metadata!.name!, body: [{ op: 'add', path: '/metadata/finalizers', value: [HOLD] }] });
    await candidates.stop('held', 2);
    await until(
      'the Deployment to be deleting',
      () => readCandidate('held'),
      (d) => Boolean(d.metadata?.deletionTimestamp),
    );

    await expect(candidates.start(version('held', 3), { signal: AbortSignal.timeout(1_500) })).rejects.toMatchObject({ name: 'TimeoutError' });
    let settled = false;
    const next = candidates.start(version('held', 3)).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(settled).toBe(false);
    expect((await readCandidate('held')).metadata!.uid).toBe(first.uid);
    await admin.core.patchNamespacedPod({ namespace, name: pod!.metadata!.name!, body: [{ op: 'remove', path: '/metadata/finalizers' }] });

    const started = await next;
    expect(started.uid).not.toBe(first.uid);
    // No pod of the stopped candidate is left for the new Service to reach.
    expect((await podsOf(selector, false)).map((p) => p.metadata!.labels![VERSION])).toEqual(['3']);
    expect(names(await podsOf(await serviceSelector('kiln-candidate-held')))).toEqual(names(await podsOf(selector)));
  });
});
