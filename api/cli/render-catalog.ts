import type { ExperimentSummary } from '../experiments-service.js';
import { textTable } from './output.js';

/** What `kiln env list` reads of `GET /v1/environments`. */
export interface EnvironmentRow {
  name: string;
  spec: { python_version: string; dependencies: readonly string[] };
  specDigest: string;
  isDefault: boolean;
  build: { status: string; durationMs: number | null; error: string | null } | null;
}

export interface DatasetRow {
  name: string;
  spec: { path: string; target_column?: string | undefined };
  updatedAt: number;
}

export interface ProjectRow {
  name: string;
  spec: { dataset: string; environment?: string | undefined; model_name?: string | undefined; serve?: boolean | object | undefined };
  updatedAt: number;
}

export interface ModelVersionRow {
  modelName: string;
  version: number;
  status: string;
  runId: string;
  datasetVersion: string | null;
  metrics: Record<string, number>;
  createdAt: number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const seconds = (ms: number | null) => (ms === null ? '' : `${(ms / 1000).toFixed(1)}s`);
const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** `kiln env list`: one line per environment, its build state and what it installs. */
export function renderEnvironments(list: EnvironmentRow[]): string[] {
  if (list.length === 0) return ['no environments'];
  return textTable([
    ['NAME', 'PYTHON', 'DIGEST', 'BUILD', 'TOOK', 'DEPENDENCIES'],
    ...list.map((e) => [
      `${e.name}${e.isDefault ? ' (default)' : ''}`,
      e.spec.python_version,
      e.specDigest.slice(0, 12),
      e.build ? (e.build.error ? `${e.build.status}: ${clip(e.build.error, 40)}` : e.build.status) : 'not built',
      seconds(e.build?.durationMs ?? null),
      clip(e.spec.dependencies.join(' ') || '-', 60),
    ]),
  ]);
}

/** `kiln dataset list`. */
export function renderDatasets(list: DatasetRow[]): string[] {
  if (list.length === 0) return ['no datasets'];
  return textTable([['NAME', 'TARGET', 'UPDATED', 'PATH'], ...list.map((d) => [d.name, d.spec.target_column ?? '-', day(d.updatedAt), d.spec.path])]);
}

/** `kiln project list`. */
export function renderProjects(list: ProjectRow[]): string[] {
  if (list.length === 0) return ['no projects'];
  return textTable([
    ['NAME', 'MODEL', 'DATASET', 'ENVIRONMENT', 'SERVES', 'UPDATED'],
    ...list.map((p) => [
      p.name,
      p.spec.model_name ?? p.name,
      p.spec.dataset,
      p.spec.environment ?? '(default)',
      p.spec.serve === false ? 'no' : 'yes',
      day(p.updatedAt),
    ]),
  ]);
}

/** `kiln model list [name]`: one line per version, newest first within each model. */
export function renderModelVersions(list: ModelVersionRow[]): string[] {
  if (list.length === 0) return ['no model versions'];
  const sorted = [...list].sort((a, b) => a.modelName.localeCompare(b.modelName) || b.version - a.version);
  const metrics = (m: Record<string, number>) =>
    Object.entries(m)
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, 3)
      .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
      .join(' ');
  return textTable([
    ['MODEL', 'VERSION', 'STATUS', 'REGISTERED', 'RUN', 'METRICS'],
    ...sorted.map((v) => [v.modelName, `v${v.version}`, v.status, day(v.createdAt), v.runId, metrics(v.metrics)]),
  ]);
}

/** `kiln experiment list`: newest first. */
export function renderExperimentList(list: ExperimentSummary[]): string[] {
  if (list.length === 0) return ['no experiments'];
  return textTable([
    ['EXPERIMENT', 'PROJECT', 'STATE', 'STARTED', 'TOOK'],
    ...list.map((e) => [
      e.experiment_id,
      e.project,
      e.state,
      day(Date.parse(e.started_at)),
      e.closed_at ? seconds(Date.parse(e.closed_at) - Date.parse(e.started_at)) : '',
    ]),
  ]);
}
