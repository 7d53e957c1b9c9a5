import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { workflowCode } from './workflow-bundle.js';

export interface KilnWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Stage processes that may run at once on this worker (default 2: one per core here). */
  maxConcurrentActivities?: number;
}

/** A worker serving Kiln's workflows and activities on one task queue. */
export async function createKilnWorker(options: KilnWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(await workflowCode(options.deps.config)),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 4,
    maxCachedWorkflows: 100,
    // Cancellation reaches an activity on its heartbeat's reply: keep that under a second.
    maxHeartbeatThrottleInterval: '1 second',
    // Stage activities kill their process group on cancel; give them time to do it.
    shutdownGraceTime: '10 seconds',
  });
}
