import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetVersion, type DatasetVersion } from '../../core/datasets/dataset-version.js';
import type { DatasetSpec } from '../../core/specs/index.js';

export interface ChainedStages {
  /** Stage `stage`'s workspace: each stage writes to inputs/<stage>, where the stages after it read. */
  ws: (stage: string) => { sourceDir: string; datasetDir: string; inputsDir: string; outputDir: string; checkpointDir: string; paramsFile: string };
  version: DatasetVersion;
}

/**
 * A project's stages run by hand in `work`, as the executor would lay them out: the dataset
 * version of `datasetFile` split and written once, the params file, and one workspace per stage.
 */
export async function chainedStages(work: string, sourceDir: string, dataset: DatasetSpec, datasetFile: string, params: unknown): Promise<ChainedStages> {
  const ws = (stage: string) => ({
    sourceDir,
    datasetDir: join(work, 'dataset'),
    inputsDir: join(work, 'inputs'),
    outputDir: join(work, 'inputs', stage),
    checkpointDir: join(work, 'checkpoints', stage),
    paramsFile: join(work, 'params.json'),
  });
  const version = await datasetVersion(dataset, readFileSync(datasetFile));
  const { datasetDir, paramsFile } = ws('any');
  mkdirSync(datasetDir, { recursive: true });
  writeFileSync(join(datasetDir, 'train.csv'), version.train);
  writeFileSync(join(datasetDir, 'test.csv'), version.test);
  writeFileSync(join(datasetDir, 'dataset.json'), JSON.stringify(version.manifest));
  writeFileSync(paramsFile, JSON.stringify(params));
  return { ws, version };
}
