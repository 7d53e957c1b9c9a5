import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../../core/metadata/metadata-store.js';
import type { NewModelVersion } from '../../core/metadata/models-repository.js';
import { Hyperparameters } from '../../core/specs/hyperparameters.js';
import { RunPolicy } from '../../core/specs/run-policy.js';

/** A SQLite registry in a temporary directory for the file's tests; `dir` holds other scratch files too. */
export function useScratchRegistry(prefix: string): { readonly metadata: MetadataStore; readonly dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `kiln-${prefix}-`));
  let metadata: MetadataStore | undefined;
  beforeAll(async () => {
    metadata = await openMetadataStore({ sqlitePath: join(dir, 'kiln.sqlite') });
  });
  afterAll(async () => {
    await metadata?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get metadata() {
      if (!metadata) throw new Error('scratch registry used before its beforeAll ran');
      return metadata;
    },
  };
}

/**
 * Registers `versions` of `modelName`, each from a run of its own (deployments and aliases name a
 * registered version); `fields` adds to a version's record (its source and environment digests, say).
 */
export async function registerVersions(
  metadata: MetadataStore,
  modelName: string,
  versions: number[],
  fields: (version: number) => Partial<NewModelVersion> = () => ({}),
): Promise<void> {
  for (const v of versions) {
    const runId = `${modelName}-run-${v}`;
    await metadata.runs.createRun({
      id: runId,
      project: modelName,
      modelName,
      workflowId: runId,
      params: Hyperparameters.parse({}),
      policy: RunPolicy.parse({}),
    });
    await metadata.models.register({
      modelName,
      runId,
      params: Hyperparameters.parse({}),
      metrics: {},
      artifactPrefix: `models/${modelName}/v${v}`,
      ...fields(v),
    });
  }
}
