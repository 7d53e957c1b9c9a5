import type { MetadataStore } from '../../core/metadata/metadata-store.js';
import { WorkspaceSpec } from '../../core/specs/workspace.js';

/** A workspace record for metrics to belong to (its rows reference it). */
export async function createWorkspaceRecord(metadata: MetadataStore, name: string): Promise<void> {
  await metadata.workspaces.create({
    name,
    owner: 'user:admin',
    team: null,
    project: null,
    environment: 'py311',
    spec: WorkspaceSpec.parse({ name, environment: 'py311' }),
  });
}

/** A metrics file line as kiln_sdk writes it. */
export function metricLine(point: { name: string; value: number; step?: number; epoch?: number }, time = Date.UTC(2026, 11, 3)): string {
  return `${JSON.stringify({ ...point, time })}\n`;
}
