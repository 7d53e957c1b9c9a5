import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { checkpointPrefix } from '../core/artifacts/artifact-keys.js';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { findLatestCheckpoint } from '../core/checkpoints/checkpoint-restore.js';
import { CheckpointUploader } from '../core/checkpoints/checkpoint-uploader.js';
import { homePaths } from '../core/config.js';
import { reapOrphanedGroups, type RunningGroupRecord } from '../core/executors/local/running-groups.js';
import { parseStageAttemptId, stageWorkspaceName } from '../core/pipeline/stage-attempt.js';
import { workspaceLayout } from '../core/runner/workspace-layout.js';
import { failAbandonedActivities } from './in-flight-activities.js';

/** Where a worker records what it runs, for whoever starts after it dies: `<home>/work/.running`. */
export function runningPaths(home: string) {
  const root = join(homePaths(home).work, '.running');
  return { groups: join(root, 'groups'), activities: join(root, 'activities') };
}

export interface CleanupReport {
  groups: number;
  activities: number;
  /** Checkpoints a dead worker's stages wrote but it never uploaded, uploaded now. */
  salvagedCheckpoints: number;
}

/**
 * Cleans up after workers of this data directory that died without shutting down: kills their
 * stage process groups (which outlive them, being detached), uploads the checkpoints those
 * stages wrote after the dead worker's last upload, then fails the dead worker's in-flight
 * activity attempts so Temporal retries them now, from those checkpoints, rather than after
 * the heartbeat timeout. Run before the new worker polls, so a retry never meets its
 * predecessor's process.
 */
export async function cleanUpAfterDeadWorkers(home: string, client: Client, artifacts: ArtifactStore): Promise<CleanupReport> {
  const paths = runningPaths(home);
  const groups = await reapOrphanedGroups(paths.groups);
  let salvagedCheckpoints = 0;
  for (const group of groups) salvagedCheckpoints += await salvageCheckpoints(home, artifacts, group).catch(() => 0);
  const activities = await failAbandonedActivities(paths.activities, (token, error) => client.activity.fail(token, error));
  return { groups: groups.length, activities: activities.length, salvagedCheckpoints };
}

/** Uploads a dead stage's local checkpoints newer than the stored ones; returns how many steps that gained. */
async function salvageCheckpoints(home: string, artifacts: ArtifactStore, group: RunningGroupRecord): Promise<number> {
  const id = parseStageAttemptId(group.stageId);
  if (!id) return 0;
  const prefix = checkpointPrefix(id.runId, id.step);
  const stored = await findLatestCheckpoint(artifacts, prefix);
  // Where the local platform put the attempt's workspace.
  const local = workspaceLayout(join(homePaths(home).work, id.runId, stageWorkspaceName(id))).checkpointDir;
  const latest = await new CheckpointUploader(artifacts, prefix, local, stored).finish();
  return (latest?.step ?? 0) - (stored?.step ?? 0);
}
