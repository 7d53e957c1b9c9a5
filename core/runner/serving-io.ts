import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { NotFoundError } from '../errors.js';
import { SERVING_IO_ENV, type ServingIoPlan } from '../serving/kubernetes/model-deployment.js';
import { restoreSource } from '../snapshots/source-snapshot.js';
import { parseSpec } from '../specs/parse-spec.js';

/*
 * The container side of a model-server pod, run by `kiln serving-io fetch` (init container)
 * with the plan in KILN_SERVING_IO. The server container after it runs the same
 * `python -m kiln_sdk.serve` as local serving (core/serving/kubernetes/model-deployment.ts).
 */

export const ServingIoPlanSchema = z
  .object({
    sourceDigest: z.string().min(1),
    modelPrefix: z.string().min(1),
    modelName: z.string().min(1).optional(),
    version: z.number().int().positive().optional(),
  })
  .strict() satisfies z.ZodType<ServingIoPlan>;

/** Where the server's files sit under the serving root (`/kiln/serving` in the pod). */
export interface ServingLayout {
  /** The source snapshot holding the predict entrypoint: KILN_SOURCE_DIR and the working directory. */
  sourceDir: string;
  /** The model version's files: KILN_MODEL_DIR. */
  modelDir: string;
  /** The Python SDK: PYTHONPATH. */
  sdkDir: string;
}

export function servingLayout(root: string): ServingLayout {
  return { sourceDir: join(root, 'src'), modelDir: join(root, 'model'), sdkDir: join(root, 'sdk') };
}

export function parseServingIoPlan(json: string | undefined): ServingIoPlan {
  return parseSpec(ServingIoPlanSchema, parseJson(json), SERVING_IO_ENV);
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

/** Init container: the source snapshot, the model version and the SDK, from the artifact store. */
export async function fetchServingInputs(artifacts: ArtifactStore, plan: ServingIoPlan, root: string, sdkDir: string): Promise<ServingLayout> {
  const layout = servingLayout(root);
  // The root is the pod's emptyDir mount, which cannot be removed; a restarted init container clears what it fills.
  await Promise.all(Object.values(layout).map((dir) => rm(dir, { recursive: true, force: true })));
  await mkdir(layout.modelDir, { recursive: true });
  const [, modelFiles] = await Promise.all([
    restoreSource(artifacts, plan.sourceDigest, layout.sourceDir),
    artifacts.getDirectory(plan.modelPrefix, layout.modelDir),
    cp(sdkDir, layout.sdkDir, { recursive: true }),
  ]);
  // Say so here, in the init container's log, rather than as a server that cannot load its model.
  if (modelFiles === 0) throw new NotFoundError('model files under', plan.modelPrefix);
  return layout;
}
