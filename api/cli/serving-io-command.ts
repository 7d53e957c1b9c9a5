import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createArtifactStore } from '../../core/artifacts/create-artifact-store.js';
import { homePaths, type KilnConfig } from '../../core/config.js';
import { SpecValidationError } from '../../core/errors.js';
import { startLogShipping } from '../../core/monitoring/prediction-log/log-shipping.js';
import { fetchServingInputs, parseServingIoPlan } from '../../core/runner/serving-io.js';
import { SERVING_IO_ENV, SERVING_ROOT } from '../../core/serving/kubernetes/model-deployment.js';

type ServingIoEnv = { plan: string | undefined; root: string | undefined };

/**
 * `kiln serving-io fetch|ship`: the Kiln containers of a model-server pod
 * (core/serving/kubernetes/model-deployment.ts). The plan comes from KILN_SERVING_IO, the store
 * from KILN_ARTIFACTS_URL, the serving root is KILN_SERVING_ROOT (default /kiln/serving).
 */
export async function runServingIo(config: KilnConfig, action: 'fetch' | 'ship', env: ServingIoEnv): Promise<number> {
  const plan = parseServingIoPlan(env.plan);
  const root = env.root ?? SERVING_ROOT;
  const artifacts = createArtifactStore({ url: config.artifactsUrl, filesystemRoot: homePaths(config.home).artifacts });
  if (action === 'fetch') {
    await fetchServingInputs(artifacts, plan, root, join(config.installDir, 'sdk', 'python'));
    process.stderr.write(`kiln: fetched source ${plan.sourceDigest.slice(0, 12)} and model ${plan.modelPrefix} into ${root}\n`);
    return 0;
  }
  if (!plan.modelName || plan.version === undefined) {
    throw new SpecValidationError([{ path: `${SERVING_IO_ENV}.modelName`, message: 'the model name and version are required to ship the prediction log' }]);
  }
  // The sidecar: ships the server's closed log segments until the pod stops.
  const terminated = untilTerminated();
  const spool = { dir: join(root, 'predictions'), model: plan.modelName, version: plan.version };
  const shipping = startLogShipping({
    store: artifacts,
    spools: async () => [spool],
    retentionDays: config.predictionRetentionDays,
    onError: (error) => process.stderr.write(`kiln: shipping the prediction log: ${error instanceof Error ? error.message : String(error)}\n`),
  });
  process.stderr.write(`kiln: shipping the prediction log of ${plan.modelName} v${plan.version} from ${spool.dir}\n`);
  await terminated;
  // The server closes its open segment on the same SIGTERM: let it, then ship what is left.
  await untilNoOpenSegments(spool.dir, 10_000);
  await shipping.stop();
  return 0;
}

/** Resolves on SIGTERM or SIGINT, keeping the process alive until then (signal listeners do not). */
function untilTerminated(): Promise<void> {
  const alive = setInterval(() => undefined, 60_000);
  return new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  }).finally(() => clearInterval(alive));
}

async function untilNoOpenSegments(dir: string, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const files = await readdir(dir, { recursive: true }).catch(() => []);
    if (!files.some((file) => String(file).endsWith('.part'))) return;
  }
}
