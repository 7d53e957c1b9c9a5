import { environmentBuildWorkflowId } from '../../../core/pipeline/workflow-ids.js';
import { fakeActivities, pipelineInput } from '../workflow-harness.js';
import { RolloutSpec } from '../../../core/specs/rollout.js';
import type { RolloutInput } from '../../../workflows/rollout.js';
import type { Scenario } from './scenario.js';

/** A 20% canary of iris v4 beside champion v3, sampled three times over 1.5 s. */
const canaryInput = (): RolloutInput => ({
  modelName: 'iris',
  championVersion: 3,
  challengerVersion: 4,
  rollout: RolloutSpec.parse({ strategy: 'canary', percent: 20, duration: '10m' }),
  observeMs: 1_500,
  sampleEveryMs: 500,
  actor: 'alice',
});

/** The workflows around runs: environment builds, deployments (rollback), rollouts, dataset watch checks. */
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
            workflowId: environmentBuildWorkflowId(environment.digest, q),
            args: [environment],
          }),
      };
    },
  },
  // deploy-model-rollback.json recorded a rollback before DEPLOY_CHAMPION_WHILE_SERVING_PATCH.
  ...(['rollback-while-serving', 'overtaken'] as const).map(
    (path): Scenario => ({
      name: `deploy-model-${path}`,
      ...(path === 'overtaken' ? { ends: 'FAILED' as const } : {}),
      setup: (env) => ({
        activities: fakeActivities(path === 'overtaken' ? { moveAliasWhileServing: async () => ({ moved: false, servingVersion: 4 }) } : {}).activities,
        start: (q) =>
          env.client.workflow.start('deployModelWorkflow', {
            taskQueue: q,
            workflowId: `deploy-iris-${path}`,
            args: [{ modelName: 'iris', version: 2, reason: 'rollback from v3', actor: 'alice' }],
          }),
      }),
    }),
  ),
  // rollout-canary-promoted.json recorded a promotion before ROLLOUT_CHAMPION_WHILE_SERVING_PATCH.
  ...(['promoted-while-serving', 'overtaken'] as const).map(
    (path): Scenario => ({
      name: `rollout-canary-${path}`,
      setup: (env) => ({
        activities: fakeActivities(path === 'overtaken' ? { moveAliasWhileServing: async () => ({ moved: false, servingVersion: 5 }) } : {}).activities,
        start: (q) => env.client.workflow.start('rolloutWorkflow', { taskQueue: q, workflowId: `rollout-iris-${path}`, args: [canaryInput()] }),
      }),
    }),
  ),
  {
    name: 'rollout-canary-rolled-back',
    setup: (env) => {
      let samples = 0;
      // The second sample sees a fifth of the challenger's requests fail.
      const sampleRollout = async () => ({
        requests: 200,
        errors: ++samples >= 2 ? 40 : 0,
        errorRate: samples >= 2 ? 0.2 : 0,
        p95Ms: 10,
        agreement: null,
        predictionPsi: null,
      });
      return {
        activities: fakeActivities({ sampleRollout }).activities,
        start: (q) => env.client.workflow.start('rolloutWorkflow', { taskQueue: q, workflowId: 'rollout-iris-rolled-back', args: [canaryInput()] }),
      };
    },
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
