import { join } from 'node:path';
import { createArtifactStore } from '../../core/artifacts/create-artifact-store.js';
import { homePaths, type KilnConfig } from '../../core/config.js';
import { fetchServingInputs, parseServingIoPlan } from '../../core/runner/serving-io.js';
import { SERVING_ROOT } from '../../core/serving/kubernetes/model-deployment.js';

/**
 * `kiln serving-io fetch`: the init container of a model-server pod
 * (core/serving/kubernetes/model-deployment.ts). The plan comes from KILN_SERVING_IO, the store
 * from KILN_ARTIFACTS_URL, the serving root is KILN_SERVING_ROOT (default /kiln/serving).
 */
export async function runServingIo(config: KilnConfig, env: { plan: string | undefined; root: string | undefined }): Promise<number> {
  const plan = parseServingIoPlan(env.plan);
  const root = env.root ?? SERVING_ROOT;
  const artifacts = createArtifactStore({ url: config.artifactsUrl, filesystemRoot: homePaths(config.home).artifacts });
  await fetchServingInputs(artifacts, plan, root, join(config.installDir, 'sdk', 'python'));
  process.stderr.write(`kiln: fetched source ${plan.sourceDigest.slice(0, 12)} and model ${plan.modelPrefix} into ${root}\n`);
  return 0;
}
