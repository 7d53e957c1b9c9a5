import type { Duration } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { kilnTracing } from '../core/tracing/kiln-tracing.js';
import { tracingActivityInterceptors, workflowTracingSinks } from '../core/tracing/temporal-tracing.js';
import { inFlightActivities } from './in-flight-activities.js';
import { runningPaths } from './orphan-cleanup.js';
import { workflowCode } from './workflow-bundle.js';

export interface KilnWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /**
   * Activities that may run at once on this worker (default 8). Short bookkeeping activities
   * share these slots with long stages, so there must be more than the stages expected to run
   * in parallel (tuning experiments), or a new trial's first step waits for a stage to end.
   */
  maxConcurrentActivities?: number;
  /** How long shutdown waits for in-flight activities before cancelling them (default 5 s). */
  shutdownGraceTime?: Duration;
  /** Serve activities only (the GPU queue): workflows stay on the main queue. */
  activitiesOnly?: boolean;
}

/** A worker serving Kiln's workflows and activities on one task queue. */
export async function createKilnWorker(options: KilnWorkerOptions): Promise<Worker> {
  const activitySlots = options.maxConcurrentActivities ?? 8;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.activitiesOnly
      ? {}
      : {
          ...(await workflowCode(options.deps.config, { traced: kilnTracing().enabled })),
          // By default every slot is held by a poll waiting for work, which leaves none to reserve for an
          // eager activity (the next stage handed back with the workflow task's reply, no dispatch round
          // trip). Half the slots poll, at least one; the rest take the activities its workflows schedule.
          activityTaskPollerBehavior: { type: 'simple-maximum', maximum: Math.max(1, Math.floor(activitySlots / 2)) } as const,
        }),
    maxConcurrentActivityTaskExecutions: activitySlots,
    maxCachedWorkflows: 100,
    // Cancellation reaches an activity on its heartbeat's reply: keep that under a second.
    maxHeartbeatThrottleInterval: '1 second',
    interceptors: { activity: [...tracingActivityInterceptors(kilnTracing()), inFlightActivities(runningPaths(options.deps.config.home).activities)] },
    // Registered even untraced: every bundle carries the workflow tracing interceptors (temporal-tracing.ts).
    sinks: workflowTracingSinks(kilnTracing()),
    // On SIGTERM short activities finish within this; a stage still running is then cancelled,
    // kills its process group, uploads its last checkpoint and fails as WorkerShutdown, so
    // Temporal retries it elsewhere from that checkpoint.
    shutdownGraceTime: options.shutdownGraceTime ?? '5 seconds',
  });
}
