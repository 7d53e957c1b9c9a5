import { describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../../core/metadata/metadata-store.js';
import { resolveServingTarget } from '../../../core/serving/serving-target.js';
import { ProjectSpec, type ProjectSpecInput } from '../../../core/specs/project.js';

/** A registry with model iris v3, trained by a run of a project with this `serve`. */
function registry(serve: ProjectSpecInput['serve']): MetadataStore {
  const spec = ProjectSpec.parse({ name: 'iris', source_dir: '/src', dataset: 'd', entrypoints: { train: 'm.py:M', evaluate: 'm.py:M' }, serve });
  return {
    models: { get: async () => ({ runId: 'run-1', sourceDigest: 'a'.repeat(64), environmentDigest: 'b'.repeat(64), artifactPrefix: '' }) },
    runs: { getRun: async () => ({ project: 'iris' }) },
    projects: { get: async () => ({ spec }) },
  } as unknown as MetadataStore;
}

describe('resolveServingTarget', () => {
  it("carries the project's serve settings to the deployers, the defaults when serve is true", async () => {
    expect((await resolveServingTarget(registry(true), 'iris', 3)).serveSettings).toEqual({ workers: 1, max_batch: 256, batch_wait_ms: 0, max_in_flight: 256 });
    expect((await resolveServingTarget(registry({ workers: 2, max_batch: 32 }), 'iris', 3)).serveSettings).toEqual({
      workers: 2,
      max_batch: 32,
      batch_wait_ms: 0,
      max_in_flight: 256,
    });
  });
});
