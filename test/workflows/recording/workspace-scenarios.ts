import type { WorkspaceInput } from '../../../workflows/workspace.js';
import { fakeActivities } from '../workflow-harness.js';
import { until, type Scenario } from './scenario.js';

/** A workspace as the API starts it, with timings short enough to record (the spec's minimum is for users, not the workflow). */
export function workspaceInput(overrides: Partial<WorkspaceInput> = {}): WorkspaceInput {
  return {
    name: 'notebooks',
    environment: {
      name: 'py311',
      digest: 'ab'.repeat(32),
      spec: { name: 'py311', python_version: '3.11', base_image: 'python:3.11-slim', dependencies: [], use_gpu: false, is_default: false },
    },
    idleTimeoutMs: 1_500,
    checkEveryMs: 300,
    ...overrides,
  };
}

/** The workspace's main path: started, stopped when idle, started again on `start`, deleted. */
export const workspaceScenarios: Scenario[] = [
  {
    name: 'workspace-idle-restart-delete',
    setup: (env) => {
      const fakes = fakeActivities({ probeWorkspace: async () => ({ alive: true, lastActivityMs: null }) });
      return {
        activities: fakes.activities,
        start: (q) => env.client.workflow.start('workspaceWorkflow', { taskQueue: q, workflowId: 'workspace-notebooks', args: [workspaceInput()] }),
        drive: async (handle) => {
          const stops = () => fakes.names().filter((n) => n === 'stopWorkspaceServer').length;
          await until('the idle stop', async () => stops() === 1);
          await handle.signal('startWorkspace');
          await until('the second start', async () => fakes.names().filter((n) => n === 'startWorkspaceServer').length === 2);
          await handle.signal('deleteWorkspace');
        },
      };
    },
  },
];
