import type { Client, ScheduleOptions, ScheduleUpdateOptions } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../pipeline/workflow-ids.js';
import type { DatasetSpec } from '../specs/dataset.js';
import { KilnKind } from '../temporal/search-attributes.js';
import { syncSchedule } from './sync-schedule.js';
import type { DatasetWatchInput } from '../../activities/dataset-watch.js';

/**
 * The new-data watcher is one Temporal Schedule per watched dataset whose action is a short
 * datasetWatchWorkflow: no long-running history to continue-as-new, overlapping checks are
 * skipped rather than piled up, it survives worker and API restarts, and it shows (and can be
 * paused) on the Web UI's Schedules page.
 */
export const DATASET_WATCH_PREFIX = 'kiln-watch-';

export function datasetWatchScheduleId(dataset: string): string {
  return `${DATASET_WATCH_PREFIX}${dataset}`;
}

type WatchedDataset = DatasetSpec & { watch: NonNullable<DatasetSpec['watch']> };

/** Timing, policies and action of a watched dataset's schedule. */
export function datasetWatchScheduleUpdate(spec: WatchedDataset, context: { taskQueue: string; paused: boolean; note?: string }): ScheduleUpdateOptions {
  const input: DatasetWatchInput = { dataset: spec.name };
  return {
    spec: { intervals: [{ every: spec.watch.every }] },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.datasetWatch,
      workflowId: datasetWatchScheduleId(spec.name),
      taskQueue: context.taskQueue,
      args: [input],
      // A stuck check must not hold off every later one (they are skipped while it runs).
      workflowRunTimeout: '15 minutes',
      typedSearchAttributes: [{ key: KilnKind, value: 'dataset-watch' }],
      memo: { dataset: spec.name },
      staticSummary: `check dataset ${spec.name} for new content (every ${spec.watch.every})`,
    },
    // A check after an outage is enough; the missed ones would all see the same content.
    policies: { overlap: 'SKIP', catchupWindow: '1 minute', pauseOnFailure: false },
    state: { paused: context.paused, ...(context.note ? { note: context.note } : {}) },
  };
}

/**
 * Creates, updates or deletes the dataset's watch schedule so it matches `spec.watch`. A new
 * schedule checks at once, so the content present at registration is the baseline, not new data.
 */
export async function syncDatasetWatchSchedule(
  temporal: Client,
  spec: DatasetSpec,
  context: { taskQueue: string },
): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  if (!spec.watch) return syncSchedule(temporal, datasetWatchScheduleId(spec.name), undefined);
  const watched: WatchedDataset = { ...spec, watch: spec.watch };
  const options = datasetWatchScheduleUpdate(watched, { ...context, paused: false });
  return syncSchedule(temporal, datasetWatchScheduleId(spec.name), {
    create: {
      ...options,
      scheduleId: datasetWatchScheduleId(spec.name),
      // Shown on the Web UI's Schedules page; fixed at creation, so it names only what cannot change.
      memo: {
        kiln: `New-data watcher of dataset "${spec.name}": each change becomes a dataset version and starts its projects with trigger.on_new_data`,
        dataset: spec.name,
      },
      typedSearchAttributes: [{ key: KilnKind, value: 'dataset-watch' }],
      state: { ...options.state, triggerImmediately: true },
    } as ScheduleOptions,
    update: (previous) => datasetWatchScheduleUpdate(watched, { ...context, paused: previous.state.paused, note: previous.state.note }),
  });
}
