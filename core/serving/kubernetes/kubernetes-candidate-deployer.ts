import { ignoreStatus } from '../../kubernetes/api-errors.js';
import { LABELS } from '../../kubernetes/labels.js';
import { candidateDeploymentName, candidateServiceUrl, candidateWorkload } from './candidate-deployment.js';
import {
  KubernetesModelDeployer,
  type KubernetesModelDeployerOptions,
  type KubernetesModelDeployment,
  type RolloutOptions,
} from './kubernetes-model-deployer.js';
import type { ModelDeploymentInput } from './model-deployment.js';

export interface KubernetesCandidate extends KubernetesModelDeployment {
  /** The candidate Deployment's uid: the same for as long as that Deployment lives. */
  uid: string;
}

/**
 * A rollout's challenger beside the model's own Deployment (candidate-deployment.ts): started
 * and awaited as deploy rolls out the model, stopped by deleting its Deployment and Service.
 * The model's Deployment and Service are never read or written here.
 */
export class KubernetesCandidateDeployer {
  private readonly options: KubernetesModelDeployerOptions;
  private readonly deployer: KubernetesModelDeployer;

  constructor(options: KubernetesModelDeployerOptions) {
    this.options = Object.freeze({ ...options });
    this.deployer = new KubernetesModelDeployer(options);
  }

  /**
   * Serves `input`'s version as the model's candidate and resolves once it is ready. Idempotent:
   * a candidate already serving that version is returned as it is; one of another version is
   * rolled over to this one.
   */
  async start(input: ModelDeploymentInput, opts: RolloutOptions = {}): Promise<KubernetesCandidate> {
    const applied = await this.deployer.rollOut(candidateWorkload(input.modelName), input, opts);
    return {
      url: candidateServiceUrl(input.modelName, this.options.settings.namespace),
      deploymentName: candidateDeploymentName(input.modelName),
      modelName: input.modelName,
      version: input.version,
      uid: applied.metadata!.uid!,
    };
  }

  /**
   * Deletes the model's candidate of `version` (Deployment and Service); one already gone is fine.
   * A candidate of another version belongs to a later rollout and is left alone.
   */
  async stop(modelName: string, version: number): Promise<void> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    const name = candidateDeploymentName(modelName);
    const existing = await ignoreStatus(404, () => clients.apps.readNamespacedDeployment({ name, namespace }));
    if (existing) {
      if (existing.spec?.template.metadata?.labels?.[LABELS.modelVersion] !== String(version)) return;
      // Foreground: the Deployment stays, marked deleted, until its pods are gone, so a candidate
      // started next waits for them (rollOut) instead of sharing its new Service with them. The
      // uid precondition fails (409, retried) if another candidate took its place since the read.
      const body = { propagationPolicy: 'Foreground', preconditions: { uid: existing.metadata!.uid! } };
      await ignoreStatus(404, () => clients.apps.deleteNamespacedDeployment({ name, namespace, body }));
    }
    // Routing to it has already stopped (the rollout record ended first), so its Service can go at once.
    await ignoreStatus(404, () => clients.core.deleteNamespacedService({ name, namespace }));
  }
}
