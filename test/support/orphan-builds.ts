import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../../core/pipeline/workflow-ids.js';

/**
 * Test stacks share one Temporal server. An environment build's workflow id is its spec digest
 * and task queue, so stacks never join each other's builds; a build left running on a stopped
 * stack's queue would still go on using the machine's cores. Stopping a stack terminates its builds.
 */
export async function terminateBuildsOn(client: Client, taskQueue: string): Promise<void> {
  const query = `WorkflowType = '${WORKFLOW_TYPES.buildEnvironment}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  for await (const run of client.workflow.list({ query })) {
    await client.workflow
      .getHandle(run.workflowId, run.runId)
      .terminate('test stack stopped')
      .catch(() => undefined);
  }
}

/** The stack, whose stop first terminates the environment builds left on its task queue. */
export function stoppingItsBuilds<S extends { client: Client; stop(): Promise<void> }>(stack: S, taskQueue: string): S {
  return {
    ...stack,
    stop: async () => {
      await terminateBuildsOn(stack.client, taskQueue).catch((error: unknown) => console.error(`test: could not end the builds on ${taskQueue}:`, error));
      await stack.stop();
    },
  };
}
