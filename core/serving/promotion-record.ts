import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DeploymentRecord } from '../metadata/model-records.js';

/**
 * The registry side of promoting a version, for any serving backend: the new deployment is
 * recorded as serving and its version marked serving; the one it replaced stops and is archived.
 */
export async function recordPromotion(
  metadata: MetadataStore,
  deployment: { id: string; modelName: string; version: number; url: string; port: number; pid: number | null },
  replaced: { id: string; modelName: string; version: number } | undefined,
): Promise<void> {
  await metadata.models.recordDeployment({ ...deployment, status: 'serving' });
  // The replaced version is archived here too, and so is one a concurrent promotion left serving.
  await metadata.models.setServingVersion(deployment.modelName, deployment.version);
  if (replaced && replaced.id !== deployment.id) await metadata.models.markDeploymentStopped(replaced.id);
}

/**
 * Two promotions of one model that ran at once each saw nothing serving and started a server of
 * their own. Called after recording one: the deployment recorded last (the model's current one)
 * serves, its version is the serving one, and every other deployment of the model still
 * recorded as serving is handed to `stop` (its process) and marked stopped, so that no server is
 * left running unrecorded (and none outlives the stack that started it).
 */
export async function retireSupersededDeployments(
  metadata: MetadataStore,
  modelName: string,
  stop: (deployment: DeploymentRecord) => void,
): Promise<DeploymentRecord | undefined> {
  const current = await metadata.models.currentDeployment(modelName);
  if (!current) return undefined;
  const superseded = (await metadata.models.listServingDeployments()).filter((d) => d.modelName === modelName && d.id !== current.id);
  for (const deployment of superseded) {
    stop(deployment);
    await metadata.models.markDeploymentStopped(deployment.id);
  }
  if (superseded.length) await metadata.models.setServingVersion(modelName, current.version);
  return current;
}
