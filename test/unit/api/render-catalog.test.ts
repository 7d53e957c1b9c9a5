import { describe, expect, it } from 'vitest';
import { renderDatasets, renderEnvironments, renderExperimentList, renderModelVersions, renderProjects } from '../../../api/cli/render-catalog.js';

const AT = Date.parse('2026-03-01T12:00:00Z');
const columns = (line: string) => line.trim().split(/\s{2,}/);

describe('the CLI list tables', () => {
  it('kiln env list: name (default marked), python, digest, build state and time, dependencies', () => {
    const lines = renderEnvironments([
      {
        name: 'sklearn',
        spec: { python_version: '3.11', dependencies: ['numpy==2.4.6', 'scikit-learn==1.9.1'] },
        specDigest: 'a'.repeat(64),
        isDefault: true,
        build: { status: 'ready', durationMs: 12_345, error: null },
      },
      {
        name: 'broken',
        spec: { python_version: '3.12', dependencies: [] },
        specDigest: 'b'.repeat(64),
        isDefault: false,
        build: { status: 'failed', durationMs: null, error: 'no such package' },
      },
      { name: 'fresh', spec: { python_version: '3.11', dependencies: [] }, specDigest: 'c'.repeat(64), isDefault: false, build: null },
    ]);
    expect(columns(lines[0]!)).toEqual(['NAME', 'PYTHON', 'DIGEST', 'BUILD', 'TOOK', 'DEPENDENCIES']);
    expect(columns(lines[1]!)).toEqual(['sklearn (default)', '3.11', 'aaaaaaaaaaaa', 'ready', '12.3s', 'numpy==2.4.6 scikit-learn==1.9.1']);
    expect(columns(lines[2]!)).toEqual(['broken', '3.12', 'bbbbbbbbbbbb', 'failed: no such package', '-']);
    expect(columns(lines[3]!)).toEqual(['fresh', '3.11', 'cccccccccccc', 'not built', '-']);
    // Aligned: every column starts at the same place on every line.
    expect(new Set(lines.map((l) => l.indexOf(l.includes('PYTHON') ? 'PYTHON' : '3.1'))).size).toBe(1);
  });

  it('kiln dataset list and project list', () => {
    expect(renderDatasets([{ name: 'tiny', spec: { path: '/data/tiny.csv', target_column: 'label' }, updatedAt: AT }]).map(columns)).toEqual([
      ['NAME', 'TARGET', 'UPDATED', 'PATH'],
      ['tiny', 'label', '2026-03-01 12:00:00', '/data/tiny.csv'],
    ]);
    expect(renderProjects([{ name: 'curves', spec: { dataset: 'tiny', environment: 'py', serve: false }, updatedAt: AT }]).map(columns)).toEqual([
      ['NAME', 'MODEL', 'DATASET', 'ENVIRONMENT', 'SERVES', 'UPDATED'],
      ['curves', 'curves', 'tiny', 'py', 'no', '2026-03-01 12:00:00'],
    ]);
  });

  it('kiln model list: newest version first within each model, the first metrics by name', () => {
    const version = (modelName: string, v: number, status: string) => ({
      modelName,
      version: v,
      status,
      runId: `${modelName}-run-${v}`,
      datasetVersion: null,
      metrics: { roc_auc: 0.99123, accuracy: 0.95 },
      createdAt: AT,
    });
    const lines = renderModelVersions([version('b', 1, 'registered'), version('a', 1, 'archived'), version('a', 2, 'serving')]);
    expect(lines.slice(1).map((l) => columns(l).slice(0, 3))).toEqual([
      ['a', 'v2', 'serving'],
      ['a', 'v1', 'archived'],
      ['b', 'v1', 'registered'],
    ]);
    expect(columns(lines[1]!).at(-1)).toBe('accuracy=0.95 roc_auc=0.9912');
  });

  it('kiln experiment list: state and how long a finished one took; says when there is none', () => {
    const lines = renderExperimentList([
      { experiment_id: 'exp-a', project: 'curves', state: 'completed', started_at: '2026-03-01T12:00:00.000Z', closed_at: '2026-03-01T12:01:30.000Z' },
      { experiment_id: 'exp-b', project: 'curves', state: 'running', started_at: '2026-03-01T12:05:00.000Z' },
    ]);
    expect(lines.map(columns)).toEqual([
      ['EXPERIMENT', 'PROJECT', 'STATE', 'STARTED', 'TOOK'],
      ['exp-a', 'curves', 'completed', '2026-03-01 12:00:00', '90.0s'],
      ['exp-b', 'curves', 'running', '2026-03-01 12:05:00'],
    ]);
    expect(renderExperimentList([])).toEqual(['no experiments']);
  });
});
