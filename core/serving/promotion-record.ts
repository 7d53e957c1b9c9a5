import type { MetadataStore } from '../metadata/metadata-store.js';

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
