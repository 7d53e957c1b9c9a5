import type { ScheduleOptions, ScheduleOverlapPolicy, ScheduleUpdateOptions } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../pipeline/workflow-ids.js';
import { cronExpressionsOf, describeCadence, intervalOf, type OverlapPolicy, type ScheduleSpec } from '../specs/schedule.js';
import { KilnKind, KilnModel, KilnProject, KilnRunStatus, KilnSchedule, KilnTrigger } from '../temporal/search-attributes.js';
import type { ScheduledPipelineStart } from '../../workflows/pipeline-input.js';

/** Kiln's schedules among the namespace's: `kiln-schedule-<name>`. */
export const SCHEDULE_ID_PREFIX = 'kiln-schedule-';

export function scheduleId(name: string): string {
  return `${SCHEDULE_ID_PREFIX}${name}`;
}

/** Scheduled runs' ids: Temporal appends the nominal fire time (`sched-nightly-2026-12-02T03:00:00Z`). */
export function scheduledRunIdPrefix(name: string): string {
  return `sched-${name}`;
}

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  buffer_one: 'BUFFER_ONE',
  buffer_all: 'BUFFER_ALL',
  cancel_other: 'CANCEL_OTHER',
  allow_all: 'ALLOW_ALL',
};

export function temporalOverlap(policy: OverlapPolicy): ScheduleOverlapPolicy {
  return OVERLAP[policy];
}

/** The Temporal Schedule for a spec: its timing, policies, and a start of pipelineWorkflow resolved at fire time. */
export function scheduleUpdateOptions(
  spec: ScheduleSpec,
  context: { taskQueue: string; modelName: string; paused: boolean; note?: string },
): ScheduleUpdateOptions {
  const interval = intervalOf(spec);
  const start: ScheduledPipelineStart = { scheduled: { schedule: spec.name, spec } };
  return {
    spec: {
      ...(interval
        ? { intervals: [{ every: interval.every, ...(interval.offset ? { offset: interval.offset } : {}) }] }
        : { cronExpressions: cronExpressionsOf(spec) }),
      timezone: spec.timezone,
      ...(spec.jitter ? { jitter: spec.jitter } : {}),
      ...(spec.start_at ? { startAt: new Date(spec.start_at) } : {}),
      ...(spec.end_at ? { endAt: new Date(spec.end_at) } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.pipeline,
      workflowId: scheduledRunIdPrefix(spec.name),
      taskQueue: context.taskQueue,
      args: [start],
      typedSearchAttributes: [
        { key: KilnKind, value: 'pipeline' },
        { key: KilnProject, value: spec.project },
        { key: KilnModel, value: context.modelName },
        { key: KilnRunStatus, value: 'queued' },
        { key: KilnTrigger, value: 'schedule' },
        { key: KilnSchedule, value: spec.name },
      ],
      staticSummary: `${spec.project}: scheduled run (${spec.name}, ${describeCadence(spec)})`,
    },
    policies: { overlap: temporalOverlap(spec.overlap), catchupWindow: spec.catchup_window, pauseOnFailure: spec.pause_on_failure },
    state: { paused: context.paused, ...(context.note ? { note: context.note } : {}) },
  };
}

export function scheduleCreateOptions(spec: ScheduleSpec, context: { taskQueue: string; modelName: string }): ScheduleOptions {
  const options = scheduleUpdateOptions(spec, { ...context, paused: spec.paused ?? false, note: spec.note });
  return {
    ...options,
    scheduleId: scheduleId(spec.name),
    // Shown on the Web UI's Schedules page; fixed at creation, so it names only what cannot change.
    memo: {
      kiln: `Continuous training: starts pipeline runs of project "${spec.project}". Details: kiln schedule show ${spec.name}`,
      project: spec.project,
      schedule: spec.name,
    },
    typedSearchAttributes: [
      { key: KilnKind, value: 'schedule' },
      { key: KilnProject, value: spec.project },
      { key: KilnSchedule, value: spec.name },
    ],
  } as ScheduleOptions;
}
