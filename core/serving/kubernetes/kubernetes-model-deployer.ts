import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { BackendUnavailableError, NotFoundError } from '../../errors.js';
import { ignoreStatus } from '../../kubernetes/api-errors.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { LABELS } from '../../kubernetes/labels.js';
import { watchObjects } from '../../kubernetes/watch-objects.js';
import {
  buildModelDeployment,
  buildModelService,
  modelDeploymentName,
  modelSelectorLabels,
  modelServiceUrl,
  type ModelDeploymentInput,
} from './model-deployment.js';
import { rolloutStatus } from './rollout-status.js';

export interface KubernetesModelDeployerOptions {
  clients: KubeClients;
  settings: KubernetesSettings;
  /** How long a rollout may make no progress before deploy fails (the Deployment's progressDeadlineSeconds). Default 600. */
  rolloutTimeoutSeconds?: number;
}

export interface KubernetesModelDeployment {
  /** In-cluster URL of the model's Service: `http://kiln-model-<name>.<namespace>.svc:<port>`. */
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
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    // The Service never changes between versions: one created earlier is already right.
    await ignoreStatus(409, () => clients.core.createNamespacedService({ namespace, body: buildModelService(input.modelName, settings) }));
    const desired = buildModelDeployment(input, settings, { progressDeadlineSeconds: this.rolloutTimeoutSeconds() });
    const applied = await this.apply(desired.metadata!.name!, desired, () => desired);
    await this.waitForRollout(applied, opts);
    return this.result(input.modelName, input.version);
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
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    const name = applied.metadata!.name!;
    const generation = applied.metadata!.generation ?? 0;
    return new Promise((resolve, reject) => {
      let last = 'waiting for the Deployment';
      const done = (error?: Error) => {
        stop();
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => done(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('rollout wait aborted'));
      // A backstop: the Deployment's own progress deadline reports a stalled rollout first.
      const timer = setTimeout(
        () => done(new BackendUnavailableError('kubernetes', `Deployment ${name} did not finish rolling out: ${last}`)),
        (this.rolloutTimeoutSeconds() + 60) * 1000,
      );
      const stop = watchObjects<V1Deployment>({
        watch: clients.watch,
        path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
        fieldSelector: `metadata.name=${name}`,
        list: () => clients.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=${name}` }),
        onEvent: (type, deployment) => {
          if (type === 'DELETED') return done(new BackendUnavailableError('kubernetes', `Deployment ${name} was deleted during its rollout`));
          // A newer change than ours is being rolled out: its completion includes ours.
          if ((deployment.metadata?.generation ?? 0) < generation) return;
          const status = rolloutStatus(deployment);
          if (status.kind === 'complete') return done();
          if (status.kind === 'failed') return done(new BackendUnavailableError('serving', `model server ${name} did not become ready: ${status.message}`));
          last = status.message;
        },
        onError: (error) => done(error instanceof Error ? error : new Error(String(error))),
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) onAbort();
    });
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
