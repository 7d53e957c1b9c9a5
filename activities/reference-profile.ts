import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { parseCsv } from '../core/datasets/csv.js';
import { DatasetManifest } from '../core/datasets/dataset-version.js';
import { MissingDataError, NotFoundError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { CellValue } from '../core/monitoring/cell-values.js';
import { DatasetProfile } from '../core/monitoring/feature-profile.js';
import { profileColumns } from '../core/monitoring/profile-columns.js';

/**
 * The profile a model version is monitored against: that of the train split of the dataset
 * version it was trained on. Reads `<dataset version prefix>/profile.json`, the key the stored
 * dataset profiles use (branch issue13-profile); without one (or one that no longer parses) it
 * profiles the stored train split and stores the result there. The one seam to switch to the
 * dataset profiles' own reader once they land.
 */
export async function referenceProfileOf(
  deps: { metadata: MetadataStore; artifacts: ArtifactStore },
  modelName: string,
  version: number,
): Promise<DatasetProfile> {
  const { metadata, artifacts } = deps;
  const modelVersion = await metadata.models.get(modelName, version);
  if (!modelVersion) throw new NotFoundError('model version', `${modelName} v${version}`);
  if (!modelVersion.datasetVersion) throw new MissingDataError('datasetVersion', `${modelName} v${version} records no dataset version to compare with`);
  const datasetVersion = await metadata.datasets.getVersion(modelVersion.datasetVersion);
  if (!datasetVersion)
    throw new MissingDataError('datasetVersion', `dataset version ${modelVersion.datasetVersion} of ${modelName} v${version} is not recorded`);
  const key = `${datasetVersion.artifactPrefix}/profile.json`;
  const stored = (await artifacts.exists(key)) ? DatasetProfile.safeParse(JSON.parse((await artifacts.getBuffer(key)).toString('utf8'))) : undefined;
  if (stored?.success) return stored.data;
  const profile = await profileTrainSplit(artifacts, datasetVersion.artifactPrefix);
  await artifacts.put(key, `${JSON.stringify(profile)}\n`);
  return profile;
}

async function profileTrainSplit(artifacts: ArtifactStore, prefix: string): Promise<DatasetProfile> {
  const manifestKey = `${prefix}/dataset.json`;
  if (!(await artifacts.exists(manifestKey))) throw new MissingDataError('datasetVersion', `the files of ${prefix} are not in ${artifacts.description}`);
  const manifest = DatasetManifest.parse(JSON.parse((await artifacts.getBuffer(manifestKey)).toString('utf8')));
  const [header, ...rows] = parseCsv((await artifacts.getBuffer(`${prefix}/train.csv`)).toString('utf8'));
  const names = header?.fields ?? [];
  const columns: Record<string, CellValue[]> = Object.fromEntries(names.map((name, i) => [name, rows.map((row) => row.fields[i] ?? null)]));
  return profileColumns(columns, { dataset: manifest.dataset, version: manifest.version, target: manifest.target_column, seed: manifest.split.seed });
}
