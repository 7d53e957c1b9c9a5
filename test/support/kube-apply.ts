import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  loadAllYaml,
  type KubernetesObject,
  type V1ClusterRoleBinding,
  type V1ConfigMap,
  type V1OwnerReference,
  type V1PolicyRule,
  type V1ResourceAttributes,
  type V1Role,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** deploy/kubernetes/: the manifests that run Kiln on a cluster. */
export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
/** The namespace the manifests are written for. */
export const DEPLOY_NAMESPACE = 'kiln';
/** The user of the testbed's worker token (scripts/k8s-testbed.sh worker.kubeconfig): no groups but system:authenticated. */
export const KILN_WORKER_USER = 'kiln-worker';
const FIELD_MANAGER = 'kiln-tests';

const loadFile = (file: string): KubernetesObject[] =>
  (loadAllYaml(readFileSync(join(DEPLOY_DIR, file), 'utf8')) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => o !== null);

/** The files kustomization.yaml lists, in its order: what `kubectl apply -k deploy/kubernetes` applies. */
export function deployManifestFiles(): string[] {
  const [kustomization] = loadFile('kustomization.yaml') as unknown as [{ resources: string[] }];
  return kustomization.resources;
}

/** Every object of deploy/kubernetes, as written (namespace `kiln`). */
export function readDeployManifests(): KubernetesObject[] {
  return deployManifestFiles().flatMap(loadFile);
}

const find = <T extends KubernetesObject>(kind: string, name: string): T => {
  const found = readDeployManifests().find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`deploy/kubernetes has no ${kind} ${name}`);
  return found as T;
};

/** The rules of Kiln's Role (namespaced) and of its node-reading ClusterRole, read from deploy/kubernetes/. */
export function kilnWorkerRules(): { role: V1PolicyRule[]; nodeReader: V1PolicyRule[] } {
  return { role: find<V1Role>('Role', 'kiln-worker').rules ?? [], nodeReader: find<V1Role>('ClusterRole', 'kiln-node-reader').rules ?? [] };
}

/**
 * The manifests moved into `namespace`: namespaced objects, service-account subjects, the
 * Namespace itself and KILN_K8S_NAMESPACE. Cluster-scoped objects get a per-namespace name and
 * the namespace as owner, so tests never share them and the garbage collector removes them with it.
 */
export function intoNamespace(objects: KubernetesObject[], namespace: string, owner: V1OwnerReference): KubernetesObject[] {
  const clusterScoped = new Set(objects.filter((o) => !o.metadata?.namespace && o.kind !== 'Namespace').map((o) => `${o.kind}/${o.metadata!.name}`));
  const rename = (kind: string, name: string) => (clusterScoped.has(`${kind}/${name}`) ? `${name}-${namespace}` : name);
  return objects.map((original) => {
    const o = structuredClone(original) as KubernetesObject & Partial<V1RoleBinding> & Partial<V1ConfigMap>;
    const metadata = o.metadata!;
    if (o.kind === 'Namespace') metadata.name = namespace;
    else if (metadata.namespace) metadata.namespace = namespace;
    else metadata.ownerReferences = [owner];
    metadata.name = rename(o.kind!, metadata.name!);
    if (o.roleRef) o.roleRef.name = rename(o.roleRef.kind, o.roleRef.name);
    for (const s of o.subjects ?? []) if (s.kind === 'ServiceAccount') s.namespace = namespace;
    if (o.kind === 'ConfigMap' && o.data?.KILN_K8S_NAMESPACE) o.data.KILN_K8S_NAMESPACE = namespace;
    return o;
  });
}

/** Server-side applies the objects in order (as `kubectl apply --server-side --force-conflicts`); returns what the server stored. */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const applied: KubernetesObject[] = [];
  for (const o of objects) applied.push(await client.patch(o, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply));
  return applied;
}

/**
 * Applies deploy/kubernetes moved into `namespace` (created here), all of it or the objects
 * `keep` holds for (the Namespace always); returns the objects as sent.
 */
export async function applyDeployManifests(
  kc: KubeConfig,
  namespace: string,
  keep: (o: KubernetesObject) => boolean = () => true,
): Promise<KubernetesObject[]> {
  const manifests = readDeployManifests();
  const ns = manifests.find((o) => o.kind === 'Namespace')!;
  const [created] = await applyObjects(kc, [{ ...ns, metadata: { ...ns.metadata, name: namespace } }]);
  const objects = intoNamespace(
    manifests.filter((o) => o === ns || keep(o)),
    namespace,
    ownerOf(created!),
  );
  await applyObjects(kc, objects);
  return objects;
}

/**
 * Gives the testbed's worker token (user `kiln-worker`) exactly Kiln's permissions in an
 * existing namespace: the Role of deploy/kubernetes/worker-role.yaml and the node-reading
 * ClusterRole, bound to that user. Cluster-wide objects are owned by the namespace, so deleting
 * it removes them. Returns once the API server's authorizer has seen the bindings.
 */
export async function bindKilnWorkerRole(adminKubeconfigPath: string, namespace: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfigPath);
  const owner = ownerOf(await kc.makeApiClient(CoreV1Api).readNamespace({ name: namespace }));
  const { role, nodeReader } = kilnWorkerRules();
  const rbac = 'rbac.authorization.k8s.io';
  const user = [{ kind: 'User', apiGroup: rbac, name: KILN_WORKER_USER }];
  const clusterName = `kiln-node-reader-${namespace}`;
  const objects: (V1Role | V1RoleBinding | V1ClusterRoleBinding)[] = [
    { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { name: 'kiln-worker', namespace }, rules: role },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'kiln-worker-user', namespace },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'kiln-worker' },
      subjects: user,
    },
    { apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: { name: clusterName, ownerReferences: [owner] }, rules: nodeReader },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterName, ownerReferences: [owner] },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: clusterName },
      subjects: user,
    },
  ];
  await applyObjects(kc, objects);
  // RBAC is enforced from the authorizer's informer cache, a moment behind the writes.
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const firstOf = (rules: V1PolicyRule[], ns?: string): V1ResourceAttributes => ({
    namespace: ns,
    group: rules[0]!.apiGroups![0],
    resource: rules[0]!.resources![0],
    verb: rules[0]!.verbs[0],
  });
  const probes = [firstOf(role, namespace), firstOf(nodeReader)];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answers = await Promise.all(
      probes.map((resourceAttributes) =>
        authz.createSubjectAccessReview({ body: { spec: { user: KILN_WORKER_USER, groups: ['system:authenticated'], resourceAttributes } } }),
      ),
    );
    if (answers.every((a) => a.status?.allowed)) return;
    if (Date.now() > deadline) throw new Error(`kiln-worker's bindings in ${namespace} did not take effect within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ownerOf(namespace: KubernetesObject): V1OwnerReference {
  return { apiVersion: 'v1', kind: 'Namespace', name: namespace.metadata!.name!, uid: namespace.metadata!.uid! };
}
