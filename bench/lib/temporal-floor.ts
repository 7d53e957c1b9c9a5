import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { FloorActivities } from '../fixtures/temporal-floor/floor-workflow.js';
import { ROOT, type BenchStack } from './bench-stack.js';
import { now } from './trace.js';

const TASK_QUEUE = 'kiln-bench-temporal-floor';

/**
 * A second worker on the bench stack's Temporal server running the pipeline's shape with no-op
 * activities (bench/fixtures/temporal-floor): the part of a run's overhead that is Temporal's
 * (workflow tasks, dispatch, local activities), measured beside Kiln's runs on the same server.
 */
export interface TemporalFloor {
  /** One workflow start → result, in ms (started eagerly, as Kiln's embedded API starts runs). */
  measure(): Promise<number>;
  /** One fully cached run's shape (cachedRunFloorWorkflow), started eagerly, to its end. */
  cachedRun(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTemporalFloor(bench: BenchStack): Promise<TemporalFloor> {
  const connection = await NativeConnection.connect({ address: bench.stack.temporalAddress });
  const activities: FloorActivities = { nothing: async (step) => step };
  const worker = await Worker.create({
    connection,
    namespace: bench.config.temporalNamespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: join(ROOT, 'bench/fixtures/temporal-floor/floor-workflow.ts'),
    activities,
    // As Kiln's worker (workers/create-worker.ts).
    maxCachedWorkflows: 100,
  });
  const running = worker.run();
  // On the worker's own connection, so starts can hand it their first task (eager start).
  const eagerClient = new Client({ connection, namespace: bench.config.temporalNamespace });
  let n = 0;
  const execute = (workflowType: string) =>
    eagerClient.workflow.execute(workflowType, { taskQueue: TASK_QUEUE, workflowId: `temporal-floor-${Date.now()}-${n++}`, requestEagerStart: true });
  return {
    async measure() {
      const t0 = now();
      await execute('temporalFloorWorkflow');
      return now() - t0;
    },
    async cachedRun() {
      await execute('cachedRunFloorWorkflow');
    },
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
