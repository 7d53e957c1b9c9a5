import { environmentBuildWorkflowId } from '../../../core/pipeline/workflow-ids.js';
import { fakeActivities, pipelineInput } from '../workflow-harness.js';
import type { Scenario } from './scenario.js';

/** The workflows around runs: environment builds, deployments (rollback), dataset watch checks. */
export const supportScenarios: Scenario[] = [
  {
    name: 'environment-build',
    setup: (env) => {
      const { environment } = pipelineInput();
      return {
        activities: fakeActivities().activities,
        start: (q) =>
          env.client.workflow.start('buildEnvironmentWorkflow', {
            taskQueue: q,
            workflowId: environmentBuildWorkflowId(environment.digest),
            args: [environment],
          }),
      };
    },
  },
  {
    name: 'deploy-model-rollback',
    setup: (env) => ({
      activities: fakeActivities().activities,
      start: (q) =>
        env.client.workflow.start('deployModelWorkflow', {
          taskQueue: q,
          workflowId: 'deploy-iris-recorded',
          args: [{ modelName: 'iris', version: 2, reason: 'rollback from v3', actor: 'alice' }],
        }),
    }),
  },
  {
    name: 'dataset-watch-check',
    setup: (env) => ({
      activities: fakeActivities().activities,
      start: (q) =>
        env.client.workflow.start('datasetWatchWorkflow', { taskQueue: q, workflowId: 'kiln-watch-iris-2025-01-01T00:00:00Z', args: [{ dataset: 'iris' }] }),
    }),
  },
];
