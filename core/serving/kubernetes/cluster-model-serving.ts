import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { environmentImage } from '../../kubernetes/environment-image.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { recordPromotion } from '../promotion-record.js';
import { resolveServingTarget } from '../serving-target.js';
import { KubernetesModelDeployer } from './kubernetes-model-deployer.js';

/**
 * Serving with the Kubernetes executor: the promoted version rolls out to the model's
 * Deployment (no downtime: the old version serves until the new one is ready), in the image
 * it was trained in, and the registry records the promotion as the local deployer does.
 */
export class ClusterModelServing {
  private readonly deployer: KubernetesModelDeployer;

  constructor(private readonly deps: { metadata: MetadataStore; cluster: { clients: KubeClients; settings: KubernetesSettings } }) {
    this.deployer = new KubernetesModelDeployer(deps.cluster);
  }

  async deploy({ modelName, version }: { modelName: string; version: number }, signal?: AbortSignal): Promise<{ url: string; deploymentId: string }> {
    const { metadata, cluster } = this.deps;
    const target = await resolveServingTarget(metadata, modelName, version);
    const current = await metadata.models.currentDeployment(modelName);
    const deployed = await this.deployer.deploy(
      {
        modelName,
        version,
        image: environmentImage(cluster.settings, target.environmentDigest),
        artifactPrefix: target.artifactPrefix,
        sourceDigest: target.sourceDigest,
        entrypoint: target.entrypoint,
        predictionLog: target.predictionLog,
      },
      { signal },
    );
    const deploymentId = `${modelName}-v${version}`;
    const port = Number(new URL(deployed.url).port) || 80;
    await recordPromotion(metadata, { id: deploymentId, modelName, version, url: deployed.url, port, pid: null }, current);
    return { url: deployed.url, deploymentId };
  }
}
