import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { BackendUnavailableError, NotFoundError } from '../../errors.js';
import { ignoreStatus } from '../../kubernetes/api-errors.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { LABELS } from '../../kubernetes/labels.js';
import { awaitDeployment } from './await-deployment.js';
import {
  buildServingDeployment,
  buildServingService,
  modelDeploymentName,
  modelSelectorLabels,
  modelServiceUrl,
  modelWorkload,
  type ModelDeploymentInput,
  type ServingWorkload,
} from './model-deployment.js';
import { rolloutStatus } from './rollout-status.js';

export interface KubernetesModelDeployerOptions {
  clients: KubeClients;
  settings: KubernetesSettings;
  /** How long a rollout may make no progress before deploy fails (the Deployment's progressDeadlineSeconds). Default 600. */
  rolloutTimeoutSeconds?: number;
}

export interface KubernetesModelDeployment {
  /** In-cluster URL of the Service: `http://kiln-model-<name>.<namespace>.svc:<port>` (a candidate's: `kiln-candidate-<name>`). */
  url: string;
  deploymentName: string;
  modelName: string;
  version: number;
}

export interface RolloutOptions {
  /** Aborting stops waiting; the rollout itself carries on (the old version serves until it completes). */
  signal?: AbortSignal;
}

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * Serving on Kubernetes: one Deployment and Service per model. Deploying a version changes
 * the Deployment's template, and Kubernetes rolls it out without losing capacity; deploy
 * returns once the rollout is complete, observed by watching the Deployment.
 */
export class KubernetesModelDeployer {
  private readonly options: KubernetesModelDeployerOptions;

  constructor(options: KubernetesModelDeployerOptions) {
    this.options = Object.freeze({ ...options });
  }

  async deploy(input: ModelDeploymentInput, opts: RolloutOptions = {}): Promise<KubernetesModelDeployment> {
    await this.rollOut(modelWorkload(input.modelName), input, opts);
    return this.result(input.modelName, input.version);
  }

  /**
   * Serves `input`'s version from `workload`'s Deployment and Service (the model's own, or a
   * rollout's candidate): creates them, or changes the Deployment's template, and resolves once
   * the rollout is complete. Returns the Deployment as applied (the same object, same uid, when
   * it already served this version).
   */
  async rollOut(workload: ServingWorkload, input: ModelDeploymentInput, opts: RolloutOptions = {}): Promise<V1Deployment> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    const existing = await ignoreStatus(404, () => clients.apps.readNamespacedDeployment({ name: workload.name, namespace }));
    // One being deleted (a stopped candidate, foreground) still has pods: wait until they and it are gone, then create anew.
    if (existing?.metadata?.deletionTimestamp) await this.waitForDeletion(existing, opts);
    // The Service never changes between versions: one created earlier is already right.
    await ignoreStatus(409, () => clients.core.createNamespacedService({ namespace, body: buildServingService(workload, settings) }));
    const desired = buildServingDeployment(workload, input, settings, { progressDeadlineSeconds: this.rolloutTimeoutSeconds() });
    const applied = await this.apply(workload.name, desired, () => desired);
    await this.waitForRollout(applied, opts);
    return applied;
  }

  /**
   * Returns the model to a version it served before: that version's ReplicaSet template becomes
   * the Deployment's again (as `kubectl rollout undo` does), so the same ReplicaSet scales back up.
   */
  async rollback(modelName: string, toVersion: number, opts: RolloutOptions = {}): Promise<KubernetesModelDeployment> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    const name = modelDeploymentName(modelName);
    const current = await ignoreStatus(404, () => clients.apps.readNamespacedDeployment({ name, namespace }));
    if (!current) throw new NotFoundError('model deployment', modelName);
    const selector = Object.entries({ ...modelSelectorLabels(modelName), [LABELS.modelVersion]: String(toVersion) })
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const owned = (await clients.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector })).items.filter((rs) =>
      rs.metadata?.ownerReferences?.some((o) => o.uid === current.metadata?.uid),
    );
    const previous = owned.sort((a, b) => revision(b) - revision(a))[0];
    if (!previous?.spec?.template) throw new NotFoundError('model deployment revision', `${modelName} v${toVersion}`);
    const template = structuredClone(previous.spec.template);
    // The controller adds the hash itself; the template must equal the original for the ReplicaSet to be reused.
    delete template.metadata?.labels?.['pod-template-hash'];
    const version = { [LABELS.modelVersion]: String(toVersion) };
    const applied = await this.apply(name, undefined, (existing) => ({
      metadata: { labels: version, annotations: version },
      spec: { ...existing.spec!, template },
    }));
    await this.waitForRollout(applied, opts);
    return this.result(modelName, toVersion);
  }

  /**
   * Read-modify-write of the Deployment (`create` when there is none yet; absent: it must exist),
   * retried when someone else wrote in between. Labels and annotations others put on the
   * object (the controller's revision) are kept; ours win on conflict.
   */
  private async apply(
    name: string,
    create: V1Deployment | undefined,
    update: (existing: V1Deployment) => Pick<V1Deployment, 'metadata' | 'spec'>,
  ): Promise<V1Deployment> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const existing = await ignoreStatus(404, () => clients.apps.readNamespacedDeployment({ name, namespace }));
      if (!existing && !create) throw new NotFoundError('Deployment', name);
      if (!existing) {
        const created = await ignoreStatus(409, () => clients.apps.createNamespacedDeployment({ namespace, body: create! }));
        if (created) return created;
        continue;
      }
      const { metadata, spec } = update(existing);
      const body: V1Deployment = {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels: { ...existing.metadata?.labels, ...metadata?.labels },
          annotations: { ...existing.metadata?.annotations, ...metadata?.annotations },
        },
        spec,
      };
      const replaced = await ignoreStatus(409, () => clients.apps.replaceNamespacedDeployment({ name, namespace, body }));
      if (replaced) return replaced;
    }
    throw new BackendUnavailableError('kubernetes', `Deployment ${name} kept changing while it was being updated`);
  }

  /** Resolves once the rollout of `applied`'s generation is complete, watching the Deployment. */
  private waitForRollout(applied: V1Deployment, opts: RolloutOptions): Promise<void> {
    const name = applied.metadata!.name!;
    const generation = applied.metadata!.generation ?? 0;
    return awaitDeployment({
      ...this.watching(name, opts),
      awaited: 'finish rolling out',
      judge: (deployment) => {
        if (!deployment) return new BackendUnavailableError('kubernetes', `Deployment ${name} was deleted during its rollout`);
        // A newer change than ours is being rolled out: its completion includes ours.
        if ((deployment.metadata?.generation ?? 0) < generation) return 'a newer change is rolling out';
        const status = rolloutStatus(deployment);
        if (status.kind === 'complete') return true;
        if (status.kind === 'failed') return new BackendUnavailableError('serving', `model server ${name} did not become ready: ${status.message}`);
        return status.message;
      },
    });
  }

  /** Resolves once `deleting` is gone (a Deployment of the same name with another uid is a new one). */
  private waitForDeletion(deleting: V1Deployment, opts: RolloutOptions): Promise<void> {
    const name = deleting.metadata!.name!;
    return awaitDeployment({
      ...this.watching(name, opts),
      awaited: 'finish deleting its pods',
      judge: (deployment) => !deployment || deployment.metadata?.uid !== deleting.metadata?.uid || 'waiting for its pods to be deleted',
    });
  }

  private watching(name: string, opts: RolloutOptions) {
    const { clients, settings } = this.options;
    // A backstop: a stalled rollout is reported first by the Deployment's own progress deadline.
    return { clients, namespace: settings.namespace, name, signal: opts.signal, timeoutMs: (this.rolloutTimeoutSeconds() + 60) * 1000 };
  }

  private result(modelName: string, version: number): KubernetesModelDeployment {
    const { namespace } = this.options.settings;
    return { url: modelServiceUrl(modelName, namespace), deploymentName: modelDeploymentName(modelName), modelName, version };
  }

  private rolloutTimeoutSeconds(): number {
    return this.options.rolloutTimeoutSeconds ?? 600;
  }
}

function revision(replicaSet: V1ReplicaSet): number {
  return Number(replicaSet.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
}
