import type { Client, ScheduleOptions, ScheduleUpdateOptions } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../pipeline/workflow-ids.js';
import { durationMs } from '../specs/duration.js';
import type { MonitoringSpec } from '../specs/monitoring.js';
import type { ProjectSpec } from '../specs/project.js';
import { KilnKind, KilnModel } from '../temporal/search-attributes.js';
import { syncSchedule } from './sync-schedule.js';
import type { MonitorModelInput } from '../../workflows/monitor-model.js';

/**
 * Each monitored model has one Temporal Schedule whose action is a short monitorModelWorkflow
 * (one window), for the reasons the dataset watcher is one (core/schedules/dataset-watch-schedule.ts).
 * It is kept in step with the project: applying a project with `monitoring` creates or updates
 * it, and without `monitoring` deletes it. A project applied before its model serves gets it
 * too: its runs report "not served" until a version is deployed, so no hook in deployment is needed.
 */
export const MONITOR_PREFIX = 'kiln-monitor-';

export function monitorScheduleId(model: string): string {
  return `${MONITOR_PREFIX}${model}`;
}

export function modelNameOf(project: Pick<ProjectSpec, 'name' | 'model_name'>): string {
  return project.model_name ?? project.name;
}

/** Timing, policies and action of a model's monitor schedule. */
export function monitorScheduleUpdate(
  project: ProjectSpec,
  monitoring: MonitoringSpec,
  context: { taskQueue: string; paused: boolean; note?: string },
): ScheduleUpdateOptions {
  const model = modelNameOf(project);
  const input: MonitorModelInput = { project: project.name, model, intervalMs: durationMs(monitoring.schedule) };
  return {
    spec: { intervals: [{ every: monitoring.schedule }] },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.monitorModel,
      workflowId: monitorScheduleId(model),
      taskQueue: context.taskQueue,
      args: [input],
      workflowRunTimeout: '30 minutes',
      typedSearchAttributes: [
        { key: KilnKind, value: 'monitor' },
        { key: KilnModel, value: model },
      ],
      memo: { model, project: project.name },
      staticSummary: `monitor model ${model} (window ${monitoring.window}, every ${monitoring.schedule}, on drift: ${monitoring.on_drift})`,
    },
    // A missed window stays missed: after an outage only the latest one is reported.
    policies: { overlap: 'SKIP', catchupWindow: '1 minute', pauseOnFailure: false },
    state: { paused: context.paused, ...(context.note ? { note: context.note } : {}) },
  };
}

/** Creates, updates or deletes the monitor schedule of the project's model so it matches `monitoring`. */
export async function syncMonitorSchedule(
  temporal: Client,
  project: ProjectSpec,
  context: { taskQueue: string },
): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  const model = modelNameOf(project);
  const { monitoring } = project;
  if (!monitoring) return syncSchedule(temporal, monitorScheduleId(model), undefined);
  return syncSchedule(temporal, monitorScheduleId(model), {
    create: {
      ...monitorScheduleUpdate(project, monitoring, { ...context, paused: false }),
      scheduleId: monitorScheduleId(model),
      memo: { kiln: `Drift monitor of model "${model}": one report per window; see kiln model monitor`, model },
      typedSearchAttributes: [{ key: KilnKind, value: 'monitor' }],
    } as ScheduleOptions,
    update: (previous) => monitorScheduleUpdate(project, monitoring, { ...context, paused: previous.state.paused, note: previous.state.note }),
  });
}
