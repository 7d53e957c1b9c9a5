import { describe, expect, it } from 'vitest';
import { assertArtifactKey } from '../../../core/artifacts/artifact-key.js';
import {
  checkpointPrefix,
  datasetProfileKey,
  datasetVersionPrefix,
  modelPrefix,
  sourceSnapshotPrefix,
  stageLogKey,
  stageOutputPrefix,
} from '../../../core/artifacts/artifact-keys.js';
import { SpecValidationError } from '../../../core/errors.js';

describe('artifact keys', () => {
  it.each([
    [datasetVersionPrefix('iris', 'v-3f2a'), 'datasets/iris/v-3f2a'],
    [datasetProfileKey('iris', 'v-3f2a'), 'datasets/iris/v-3f2a/profile.json'],
    [sourceSnapshotPrefix('ab12'), 'sources/ab12'],
    [stageOutputPrefix('run-1', 'train'), 'runs/run-1/train/outputs'],
    [stageLogKey('run-1', 'train', 2), 'runs/run-1/train/logs/attempt-2.log'],
    [checkpointPrefix('run-1', 'train'), 'runs/run-1/train/checkpoints'],
    [modelPrefix('iris-clf', 4), 'models/iris-clf/4'],
  ])('builds %s', (key, expected) => {
    expect(key).toBe(expected);
    expect(assertArtifactKey(key)).toBe(key);
  });

  it.each([
    ['a dataset name with "/"', () => datasetVersionPrefix('a/b', 'v1'), 'dataset'],
    ['a ".." dataset version', () => datasetProfileKey('iris', '..'), 'version'],
    ['a ".." run id', () => stageOutputPrefix('..', 'train'), 'runId'],
    ['an empty stage', () => checkpointPrefix('run-1', ''), 'stage'],
    ['a backslash digest', () => sourceSnapshotPrefix('a\\b'), 'digest'],
    ['attempt 0', () => stageLogKey('run-1', 'train', 0), 'attempt'],
    ['a fractional attempt', () => stageLogKey('run-1', 'train', 1.5), 'attempt'],
  ])('rejects %s, naming the field', (_label, build, field) => {
    const error = (() => {
      try {
        build();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems[0]?.path).toBe(field);
  });
});
