// Proves the kiln-worker Role of deploy/kubernetes/ against the testbed's real RBAC: it allows
// each verb Kiln's code uses (a list kept here, independent of the YAML) and nothing else, for
// the testbed's worker token bound with bindKilnWorkerRole and for the service account the
// manifests bind. The API server's own authorizer answers (SubjectAccessReview), and the worker
// token makes real calls for the main paths.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KILN_WORKER_USER, applyDeployManifests, bindKilnWorkerRole } from '../../support/kube-apply.js';
import { until } from '../../support/kube-until.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');

/**
 * What Kiln's code does with the Kubernetes API: the Role is checked against this list, not
 * against itself. Extend it together with deploy/kubernetes/worker-role.yaml.
 */
interface Access {
  group: string;
  resource: string;
  verbs: string[];
}
const KILN_NEEDS: Access[] = [
  { group: 'batch', resource: 'jobs', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { group: '', resource: 'pods', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { group: '', resource: 'pods/proxy', verbs: ['get'] },
  { group: '', resource: 'secrets', verbs: ['create', 'delete'] },
  { group: '', resource: 'pods/log', verbs: ['get'] },
  { group: '', resource: 'events', verbs: ['list', 'watch'] },
  { group: '', resource: 'configmaps', verbs: ['create', 'get', 'patch', 'delete'] },
  { group: 'apps', resource: 'deployments', verbs: ['create', 'get', 'list', 'watch', 'patch', 'update', 'delete'] },
  { group: 'apps', resource: 'replicasets', verbs: ['get', 'list', 'watch'] },
  { group: '', resource: 'services', verbs: ['create', 'get', 'patch', 'update', 'delete'] },
];
const KILN_NEEDS_CLUSTER_WIDE: Access[] = [{ group: '', resource: 'nodes', verbs: ['get', 'list'] }];

/** Things Kiln must never be able to do, named (the sweep over every served resource covers the rest). */
const MUST_NOT: [string, k8s.V1ResourceAttributes, 'its namespace' | 'cluster-wide' | 'another namespace'][] = [
  ['reading a Secret', { resource: 'secrets', verb: 'get' }, 'its namespace'],
  ['listing Secrets', { resource: 'secrets', verb: 'list' }, 'its namespace'],
  ['watching Secrets', { resource: 'secrets', verb: 'watch' }, 'its namespace'],
  ['changing a Secret', { resource: 'secrets', verb: 'update' }, 'its namespace'],
  ['deleting all pods at once', { resource: 'pods', verb: 'deletecollection' }, 'its namespace'],
  ['changing a pod', { resource: 'pods', verb: 'patch' }, 'its namespace'],
  ['exec into pods', { resource: 'pods', subresource: 'exec', verb: 'create' }, 'its namespace'],
  ['changing a Job', { group: 'batch', resource: 'jobs', verb: 'patch' }, 'its namespace'],
  ['deleting all Jobs at once', { group: 'batch', resource: 'jobs', verb: 'deletecollection' }, 'its namespace'],
  ['listing ConfigMaps', { resource: 'configmaps', verb: 'list' }, 'its namespace'],
  ['changing a ConfigMap', { resource: 'configmaps', verb: 'update' }, 'its namespace'],
  ['deleting all Deployments at once', { group: 'apps', resource: 'deployments', verb: 'deletecollection' }, 'its namespace'],
  ['deleting a ReplicaSet', { group: 'apps', resource: 'replicasets', verb: 'delete' }, 'its namespace'],
  ['deleting all Services at once', { resource: 'services', verb: 'deletecollection' }, 'its namespace'],
  ['minting service-account tokens', { resource: 'serviceaccounts', subresource: 'token', verb: 'create' }, 'its namespace'],
  ['creating Roles', { group: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'create' }, 'its namespace'],
  ['creating RoleBindings', { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verb: 'create' }, 'its namespace'],
  ['escalating a Role', { group: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'escalate' }, 'its namespace'],
  ['binding a ClusterRole', { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'bind' }, 'cluster-wide'],
  ['impersonating users', { resource: 'users', verb: 'impersonate' }, 'cluster-wide'],
  ['patching nodes', { resource: 'nodes', verb: 'patch' }, 'cluster-wide'],
  ['deleting nodes', { resource: 'nodes', verb: 'delete' }, 'cluster-wide'],
  ['listing namespaces', { resource: 'namespaces', verb: 'list' }, 'cluster-wide'],
  ['creating Jobs in another namespace', { group: 'batch', resource: 'jobs', verb: 'create' }, 'another namespace'],
  ['listing Jobs across all namespaces', { group: 'batch', resource: 'jobs', verb: 'list' }, 'cluster-wide'],
];

// Skipped only outside CI, when the testbed could not start (test/support/test-kubernetes.ts).
describe.skipIf(!kubeconfig)(`Kiln's RBAC on a cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  /** Where the manifests are applied (their `kiln`), and where the worker token is bound with bindKilnWorkerRole. */
  const deployed = `kiln-rbac-deploy-${suffix}`;
  const bound = `kiln-rbac-bound-${suffix}`;
  let core: k8s.CoreV1Api, authz: k8s.AuthorizationV1Api;

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig!);
    core = kc.makeApiClient(k8s.CoreV1Api);
    authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    // Its identities and bindings; the workloads are deploy-manifests.test.ts's business.
    await applyDeployManifests(kc, deployed, (o) => o.kind !== 'Deployment');
    await core.createNamespace({ body: { metadata: { name: bound } } });
    await bindKilnWorkerRole(kubeconfig!, bound);
    // The manifests' own bindings take effect once the authorizer's cache has them.
    await until(
      "the manifests' RoleBinding to take effect",
      () => review(serviceAccount(deployed, 'kiln-worker'), { namespace: deployed, group: 'batch', resource: 'jobs', verb: 'create' }),
      Boolean,
    );
  });
  afterAll(async () => {
    for (const name of [deployed, bound]) await core?.deleteNamespace({ name }).catch(() => undefined);
  });

  /** Whether `who` may do `what`, by the API server's own authorizer (SubjectAccessReview). */
  async function review(who: Identity, what: k8s.V1ResourceAttributes): Promise<boolean> {
    const answer = await authz.createSubjectAccessReview({ body: { spec: { user: who.user, groups: who.groups, resourceAttributes: what } } });
    return answer.status?.allowed === true;
  }

  describe('the kiln-worker Role', () => {
    const identities = () => ({
      'user kiln-worker, bound by bindKilnWorkerRole': { who: user(KILN_WORKER_USER), namespace: bound, baseline: user('kiln-nobody') },
      'service account kiln-worker, bound by the manifests': {
        who: serviceAccount(deployed, 'kiln-worker'),
        namespace: deployed,
        baseline: serviceAccount(deployed, 'kiln-nobody'),
      },
    });

    it("allows every verb Kiln uses, in its namespace, and only through Kiln's bindings", async () => {
      for (const [label, { who, namespace, baseline }] of Object.entries(identities())) {
        const denied = await filterAsync(needs(namespace), async (a) => !(await review(who, a)));
        expect(denied.map(describeAccess), label).toEqual([]);
        const allowedToAnyone = await filterAsync(needs(namespace), (a) => review(baseline, a));
        expect(allowedToAnyone.map(describeAccess), `${label}: allowed without Kiln's bindings`).toEqual([]);
      }
    });

    it('allows nothing else: every resource and verb the API server serves, beyond what any authenticated user may do', async () => {
      const matrix = await everyAccess();
      for (const [label, { who, namespace, baseline }] of Object.entries(identities())) {
        const wanted = new Set(needs(namespace).map(describeAccess));
        const swept = inNamespace(matrix, namespace).map(describeAccess);
        expect(swept, "discovery covers Kiln's needs").toEqual(expect.arrayContaining([...wanted, `get secrets in ${namespace}`]));
        const wrong = await filterAsync(
          inNamespace(matrix, namespace),
          async (a) => (await review(who, a)) !== (wanted.has(describeAccess(a)) || (await review(baseline, a))),
        );
        expect(wrong.map(describeAccess), label).toEqual([]);
      }
      // Thousands of access reviews: about 35 s here when idle, several times that on a busy machine.
    }, 360_000);

    it.each(MUST_NOT)('denies %s', async (_what, attributes, scope) => {
      for (const { who, namespace } of Object.values(identities())) {
        const where = scope === 'its namespace' ? namespace : scope === 'another namespace' ? 'default' : undefined;
        const access = { ...attributes, namespace: where };
        expect(await review(who, access), `${who.user}: ${describeAccess(access)}`).toBe(false);
      }
    });

    it("grants Kiln's namespaced verbs nowhere else: not in another namespace, not across all namespaces", async () => {
      for (const [label, { who, namespace }] of Object.entries(identities())) {
        const elsewhere = expand(KILN_NEEDS, namespace).flatMap((a) => [
          { ...a, namespace: 'default' },
          { ...a, namespace: '' },
        ]);
        const allowed = await filterAsync(elsewhere, (a) => review(who, a));
        expect(allowed.map(describeAccess), label).toEqual([]);
      }
    });

    it.each(['kiln-stage', 'kiln-api'])('gives the service account %s nothing beyond what any authenticated user may do', async (name) => {
      const matrix = inNamespace(await everyAccess(), deployed);
      const wrong = await filterAsync(
        matrix,
        async (a) => (await review(serviceAccount(deployed, name), a)) !== (await review(serviceAccount(deployed, 'kiln-nobody'), a)),
      );
      expect(wrong.map(describeAccess)).toEqual([]);
    });
  });

  describe('the worker token, bound with bindKilnWorkerRole', () => {
    let worker: ReturnType<typeof clients>;
    beforeAll(() => {
      worker = clients(workerKubeconfig!);
    });

    it('runs a Job through its whole life: create, watch, read its pod and log and events, delete', async () => {
      const namespace = bound;
      const job: k8s.V1Job = {
        metadata: { name: 'stage' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'stage', image: 'kiln-runner:test', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
            },
          },
        },
      };
      const seen = watchFor(worker.kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, (j: k8s.V1Job) => Boolean(j.status?.succeeded));
      await worker.batch.createNamespacedJob({ namespace, body: job });
      await seen;
      expect((await worker.batch.readNamespacedJob({ namespace, name: 'stage' })).status?.succeeded).toBe(1);
      expect((await worker.batch.listNamespacedJob({ namespace })).items.map((j) => j.metadata?.name)).toEqual(['stage']);
      const [pod] = (await worker.core.listNamespacedPod({ namespace, labelSelector: 'job-name=stage' })).items;
      expect((await worker.core.readNamespacedPod({ namespace, name: pod!.metadata!.name! })).status?.phase).toBe('Succeeded');
      expect(await worker.core.readNamespacedPodLog({ namespace, name: pod!.metadata!.name!, container: 'stage' })).toBe('');
      expect((await worker.core.listNamespacedEvent({ namespace })).items.some((e) => e.reason === 'Scheduled')).toBe(true);
      await worker.batch.deleteNamespacedJob({ namespace, name: 'stage', propagationPolicy: 'Background' });
      await until(
        'the Job to be gone',
        () => worker.batch.listNamespacedJob({ namespace }),
        (l) => l.items.length === 0,
      );
    });

    it('keeps a build context in a ConfigMap: create, get, annotate with the built image, delete', async () => {
      await worker.core.createNamespacedConfigMap({
        namespace: bound,
        body: { metadata: { name: 'context', annotations: { 'kiln.dev/environment-digest': 'abc' } }, data: { Dockerfile: 'FROM python:3.12-slim\n' } },
      });
      await worker.core.patchNamespacedConfigMap({
        namespace: bound,
        name: 'context',
        body: [{ op: 'add', path: '/metadata/annotations/kiln.dev~1built-image', value: 'registry/env:abc' }],
      });
      expect((await worker.core.readNamespacedConfigMap({ namespace: bound, name: 'context' })).metadata?.annotations).toMatchObject({
        'kiln.dev/built-image': 'registry/env:abc',
      });
      await worker.core.deleteNamespacedConfigMap({ namespace: bound, name: 'context' });
    });

    it('serves a model: Deployment create, patch, update, rollout status from its ReplicaSets, a Service, and deletes both', async () => {
      const namespace = bound;
      const labels = { app: 'model' };
      const container = { name: 'server', image: 'kiln-model:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } };
      await worker.apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: 'model' },
          spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
        },
      });
      await worker.apps.patchNamespacedDeployment({
        namespace,
        name: 'model',
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'kiln-model:2' }],
      });
      const current = await worker.apps.readNamespacedDeployment({ namespace, name: 'model' });
      current.metadata!.annotations = { 'kiln.dev/model-version': '2' };
      // Unconditional: the Deployment controller may have written the status since the read.
      delete current.metadata!.resourceVersion;
      await worker.apps.replaceNamespacedDeployment({ namespace, name: 'model', body: current });
      expect((await worker.apps.listNamespacedDeployment({ namespace })).items).toHaveLength(1);
      await until(
        'two ReplicaSets (one per image)',
        () => worker.apps.listNamespacedReplicaSet({ namespace }),
        (l) => l.items.length === 2,
      );
      await worker.core.createNamespacedService({ namespace, body: { metadata: { name: 'model' }, spec: { selector: labels, ports: [{ port: 8080 }] } } });
      await worker.core.patchNamespacedService({ namespace, name: 'model', body: [{ op: 'add', path: '/metadata/labels', value: { version: '2' } }] });
      const service = await worker.core.readNamespacedService({ namespace, name: 'model' });
      await worker.core.replaceNamespacedService({ namespace, name: 'model', body: service });
      // A rollout's candidate ends: Deployment and Service deleted, its ReplicaSets and pods by the garbage collector.
      await worker.core.deleteNamespacedService({ namespace, name: 'model' });
      await worker.apps.deleteNamespacedDeployment({ namespace, name: 'model', body: { propagationPolicy: 'Foreground' } });
      await until(
        'the Deployment, its ReplicaSets and pods to be gone',
        async () => [
          ...(await worker.apps.listNamespacedDeployment({ namespace })).items,
          ...(await worker.apps.listNamespacedReplicaSet({ namespace })).items,
          ...(await worker.core.listNamespacedPod({ namespace, labelSelector: 'app=model' })).items,
        ],
        (left) => left.length === 0,
      );
    });

    it('reads the nodes, to size GPU requests', async () => {
      const nodes = await worker.core.listNode();
      expect(nodes.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['kiln-gpu-node', 'kiln-cpu-node']));
      expect((await worker.core.readNode({ name: 'kiln-gpu-node' })).status?.allocatable?.['nvidia.com/gpu']).toBe('2');
    });

    it.each([
      ['read secrets', (w: ReturnType<typeof clients>) => w.core.listNamespacedSecret({ namespace: bound })],
      ['read back a workspace token', (w: ReturnType<typeof clients>) => w.core.readNamespacedSecret({ namespace: bound, name: 'kiln-workspace-nb' })],
      [
        'change a Secret',
        (w: ReturnType<typeof clients>) =>
          w.core.replaceNamespacedSecret({
            namespace: bound,
            name: 'kiln-workspace-nb',
            body: { metadata: { name: 'kiln-workspace-nb' }, stringData: { token: 'x' } },
          }),
      ],
      ['list ConfigMaps', (w: ReturnType<typeof clients>) => w.core.listNamespacedConfigMap({ namespace: bound })],
      ['delete ReplicaSets', (w: ReturnType<typeof clients>) => w.apps.deleteNamespacedReplicaSet({ namespace: bound, name: 'model' })],
      ['list Jobs in a namespace it is not bound in', (w: ReturnType<typeof clients>) => w.batch.listNamespacedJob({ namespace: deployed })],
      [
        'patch nodes',
        (w: ReturnType<typeof clients>) => w.core.patchNode({ name: 'kiln-cpu-node', body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] }),
      ],
    ])('may not %s (403)', async (_what, call) => {
      await expect(call(worker)).rejects.toMatchObject({ code: 403 });
    });
  });
});

interface Identity {
  user: string;
  groups: string[];
}
const user = (name: string): Identity => ({ user: name, groups: ['system:authenticated'] });
const serviceAccount = (namespace: string, name: string): Identity => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
});

const expand = (list: Access[], namespace: string | undefined) =>
  list.flatMap(({ group, resource, verbs }) => verbs.map((verb) => split({ namespace, group, resource, verb })));
/** Kiln's needs as access requests: namespaced ones in `namespace`, node reading cluster-wide. */
const needs = (namespace: string) => [...expand(KILN_NEEDS, namespace), ...expand(KILN_NEEDS_CLUSTER_WIDE, undefined)];

/** `pods/log` → resource pods, subresource log (as SubjectAccessReview wants them). */
function split(a: k8s.V1ResourceAttributes): k8s.V1ResourceAttributes {
  const [resource, subresource] = a.resource!.split('/');
  return subresource ? { ...a, resource, subresource } : a;
}

const describeAccess = (a: k8s.V1ResourceAttributes) =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` in ${a.namespace}` : a.namespace === '' ? ' in all namespaces' : ''}`;

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
type Served = k8s.V1ResourceAttributes & { namespaced: boolean };
let served: Promise<Served[]> | undefined;

/** Every resource and subresource the API server serves (discovery), with every standard verb. */
function everyAccess(): Promise<Served[]> {
  served ??= (async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(inject('kubeconfigPath')!);
    const lists = [{ group: '', list: await kc.makeApiClient(k8s.CoreV1Api).getAPIResources() }];
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    for (const g of (await kc.makeApiClient(k8s.ApisApi).getAPIVersions()).groups) {
      lists.push({ group: g.name, list: await custom.getAPIResources({ group: g.name, version: g.preferredVersion!.version }) });
    }
    return lists.flatMap(({ group, list }) =>
      list.resources.flatMap((r) => VERBS.map((verb) => ({ ...split({ group, resource: r.name, verb }), namespaced: r.namespaced }))),
    );
  })();
  return served;
}

const inNamespace = (matrix: Served[], namespace: string) => matrix.map(({ namespaced, ...a }) => (namespaced ? { ...a, namespace } : a));

/** The items `keep` holds for, asked 32 at a time (a few thousand reviews take seconds, not minutes). */
async function filterAsync<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const verdicts: boolean[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      verdicts[i] = await keep(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
  return items.filter((_, i) => verdicts[i]);
}

function clients(path: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), batch: kc.makeApiClient(k8s.BatchV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) };
}

/** Resolves when a watch on `path` delivers an object `done` holds of (bounded). */
async function watchFor<T>(kc: k8s.KubeConfig, path: string, done: (object: T) => boolean, timeoutMs = 30_000): Promise<void> {
  let abort: AbortController | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching object on the watch of ${path} within ${timeoutMs} ms`)), timeoutMs);
      new k8s.Watch(kc)
        .watch(
          path,
          {},
          (_type, object: T) => {
            if (done(object)) {
              clearTimeout(timer);
              resolve();
            }
          },
          (error) => error && reject(error),
        )
        .then((a) => (abort = a), reject);
    });
  } finally {
    abort?.abort();
  }
}
