import { storeDatasetVersion } from '../core/datasets/store-dataset-version.js';
import { snapshotSource } from '../core/snapshots/source-snapshot.js';
import type { DatasetSpec } from '../core/specs/dataset.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';

export interface DatasetVersionResult {
  versionId: string;
  prefix: string;
  trainRows: number;
  testRows: number;
}

/** The run's inputs, frozen at start: a content-addressed source snapshot and dataset version. */
export function createInputActivities({ metadata, artifacts }: ActivityDeps) {
  return {
    async snapshotSource(input: { sourceDir: string }): Promise<{ digest: string; fileCount: number; reused: boolean }> {
      return classified(async () => {
        const snapshot = await snapshotSource(artifacts, input.sourceDir);
        return { digest: snapshot.digest, fileCount: snapshot.fileCount, reused: snapshot.reused };
      });
    },

    async versionDataset(input: { dataset: DatasetSpec }): Promise<DatasetVersionResult> {
      return classified(async () => {
        const stored = await storeDatasetVersion(artifacts, input.dataset, input.dataset.path);
        const { manifest } = stored;
        await metadata.datasets.recordVersion({
          id: stored.versionId,
          datasetName: input.dataset.name,
          contentSha256: manifest.content_sha256,
          split: manifest.split,
          trainRows: manifest.train_rows,
          testRows: manifest.test_rows,
          artifactPrefix: stored.prefix,
        });
        return { versionId: stored.versionId, prefix: stored.prefix, trainRows: manifest.train_rows, testRows: manifest.test_rows };
      });
    },
  };
}
