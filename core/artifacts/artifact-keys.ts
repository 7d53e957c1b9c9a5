import { SpecValidationError } from '../errors.js';

/**
 * Where each kind of artifact lives, in one place. Prefixes have no trailing `/`; objects
 * sit below them (`<prefix>/train.csv`). Every part becomes one key segment, so it is
 * checked here rather than producing a surprising key.
 */
export function datasetVersionPrefix(dataset: string, version: string): string {
  return `datasets/${segment('dataset', dataset)}/${segment('version', version)}`;
}

/**
 * The feature profile of a dataset version's train split (core/datasets/dataset-profile.ts),
 * beside the version's files, so stages receive it with them.
 */
export function datasetProfileKey(dataset: string, version: string): string {
  return `${datasetVersionPrefix(dataset, version)}/profile.json`;
}

/**
 * A source snapshot is stored as a directory prefix (one object per file, relative paths
 * kept), not a tarball: the executor restores it with `getDirectory` and people can browse it.
 * File modes are not kept.
 */
export function sourceSnapshotPrefix(digest: string): string {
  return `sources/${segment('digest', digest)}`;
}

/** The outputs of a stage's successful attempt (the model, for `train`). */
export function stageOutputPrefix(runId: string, stage: string): string {
  return `${stagePrefix(runId, stage)}/outputs`;
}

/** The combined stdout/stderr of one attempt; attempts are 1-based. */
export function stageLogKey(runId: string, stage: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new SpecValidationError([{ path: 'attempt', message: `must be a positive integer, got ${attempt}` }]);
  }
  return `${stagePrefix(runId, stage)}/logs/attempt-${attempt}.log`;
}

/**
 * A running attempt's live log: the tail of its log at `key`, put again every few seconds while it
 * runs, under a `prefix` of its own that is removed whole once the attempt's log is stored.
 */
export function stageLiveLog(runId: string, stage: string, attempt: number): { key: string; prefix: string } {
  const prefix = `${stagePrefix(runId, stage)}/logs/attempt-${attempt}-live`;
  return { prefix, key: `${prefix}/tail.log` };
}

/** The latest checkpoint directory of a stage, shared by its attempts so a retry can resume. */
/** The log of one attempt to build an environment (venv or image). */
export function environmentBuildLogKey(digest: string, attempt: number): string {
  return `environments/${digest}/build-${attempt}.log`;
}

export function checkpointPrefix(runId: string, stage: string): string {
  return `${stagePrefix(runId, stage)}/checkpoints`;
}

export function modelPrefix(modelName: string, version: number | string): string {
  return `models/${segment('modelName', modelName)}/${segment('version', String(version))}`;
}

/** A model's monitoring reports, one per window (core/monitoring/report/report-store.ts). */
export function monitoringReportsPrefix(modelName: string): string {
  return `monitoring/${segment('modelName', modelName)}`;
}

/**
 * The report of the window ending at `windowEnd`: a compact UTC stamp (`20250101T120000Z`), so
 * keys sort by time and the same window always has the same key.
 */
export function monitoringReportKey(modelName: string, windowEnd: Date): string {
  const stamp = windowEnd
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${monitoringReportsPrefix(modelName)}/${stamp}.json`;
}

/**
 * A workspace on a cluster: its files (`<prefix>/files/…`, what the pod's sidecar keeps in sync)
 * and the marker written once its first content is stored (`<prefix>/prepared`).
 */
export function workspacePrefix(name: string): string {
  return `workspaces/${segment('name', name)}`;
}

function stagePrefix(runId: string, stage: string): string {
  return `runs/${segment('runId', runId)}/${segment('stage', stage)}`;
}

function segment(field: string, value: string): string {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new SpecValidationError([{ path: field, message: `${JSON.stringify(value)} cannot be an artifact key segment` }]);
  }
  return value;
}
