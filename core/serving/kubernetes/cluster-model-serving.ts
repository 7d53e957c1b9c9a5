import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { environmentImage } from '../../kubernetes/environment-image.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { candidateDeploymentId } from '../candidate-id.js';
import type { DeployRequest } from '../model-deployer.js';
import { recordPromotion } from '../promotion-record.js';
import { resolveServingTarget } from '../serving-target.js';
import { KubernetesCandidateDeployer } from './kubernetes-candidate-deployer.js';
import { KubernetesModelDeployer } from './kubernetes-model-deployer.js';
import type { ModelDeploymentInput } from './model-deployment.js';

/**
 * Serving with the Kubernetes executor: the promoted version rolls out to the model's
 * Deployment (no downtime: the old version serves until the new one is ready), in the image
 * it was trained in, and the registry records the promotion as the local deployer does. A
 * rollout's challenger is a candidate Deployment and Service beside it, which Kiln's API routes
 * its share to; the cluster keeps it, so no deployment record is written for it.
 */
export class ClusterModelServing {
  private readonly deployer: KubernetesModelDeployer;
  private readonly candidates: KubernetesCandidateDeployer;

  constructor(private readonly deps: { metadata: MetadataStore; cluster: { clients: KubeClients; settings: KubernetesSettings } }) {
    this.deployer = new KubernetesModelDeployer(deps.cluster);
    this.candidates = new KubernetesCandidateDeployer(deps.cluster);
  }

  async deploy({ modelName, version }: DeployRequest, signal?: AbortSignal): Promise<{ url: string; deploymentId: string }> {
    const { metadata } = this.deps;
    const input = await this.deploymentInput(modelName, version);
    const current = await metadata.models.currentDeployment(modelName);
    const deployed = await this.deployer.deploy(input, { signal });
    const deploymentId = `${modelName}-v${version}`;
    const port = Number(new URL(deployed.url).port) || 80;
    await recordPromotion(metadata, { id: deploymentId, modelName, version, url: deployed.url, port, pid: null }, current);
    return { url: deployed.url, deploymentId };
  }

  /** Starts `version` as the model's candidate beside its Deployment (which is untouched) and resolves once it is ready. */
  async startCandidate({ modelName, version }: DeployRequest, signal?: AbortSignal): Promise<{ url: string; deploymentId: string }> {
    const candidate = await this.candidates.start(await this.deploymentInput(modelName, version), { signal });
    return { url: candidate.url, deploymentId: candidateDeploymentId(modelName, version) };
  }

  async stopCandidate({ modelName, version }: DeployRequest): Promise<void> {
    await this.candidates.stop(modelName, version);
  }

  /** What the model's pods need for `version`: its files, source and entrypoint, in the image it was trained in. */
  private async deploymentInput(modelName: string, version: number): Promise<ModelDeploymentInput> {
    const target = await resolveServingTarget(this.deps.metadata, modelName, version);
    return {
      modelName,
      version,
      image: environmentImage(this.deps.cluster.settings, target.environmentDigest),
      artifactPrefix: target.artifactPrefix,
      sourceDigest: target.sourceDigest,
      entrypoint: target.entrypoint,
      predictionLog: target.predictionLog,
      serve: target.serveSettings,
    };
  }
}
