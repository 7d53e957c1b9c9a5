import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { DatasetCheck, DatasetWatchInput } from '../activities/dataset-watch.js';
import type { KilnActivities } from '../activities/index.js';

const { checkDatasetForNewData } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '10 minutes',
  // Hashing a large source heartbeats; a lost worker's check is retried within 30 s.
  heartbeatTimeout: '30 seconds',
  // Permanent failures (a bad CSV, a missing source) arrive non-retryable; the next fire looks again.
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
  summary: 'look for new content',
});

/**
 * One check of a watched dataset, started by its Temporal Schedule `kiln-watch-<dataset>` (why a
 * schedule and not a long-running workflow: core/schedules/dataset-watch-schedule.ts).
 */
export async function datasetWatchWorkflow(input: DatasetWatchInput): Promise<DatasetCheck> {
  setCurrentDetails(`Checking dataset **${input.dataset}** for new content…`);
  const check = await checkDatasetForNewData(input);
  setCurrentDetails(describeCheck(input.dataset, check));
  return check;
}

/** What a check found, for the Web UI's current details. */
export function describeCheck(dataset: string, check: DatasetCheck): string {
  if (check.baseline) return `Dataset **${dataset}**: first look, version ${check.versionId} is the baseline; nothing started.`;
  if (!check.changed) return `Dataset **${dataset}**: no new content (version ${check.versionId ?? 'unknown'}).`;
  const runs = [...check.started.map((id) => `started ${id}`), ...check.alreadyStarted.map((id) => `${id} already started`)];
  return `Dataset **${dataset}**: new version ${check.versionId}. ${runs.length ? runs.join('; ') : 'No project has trigger.on_new_data.'}`;
}
