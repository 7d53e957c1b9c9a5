/**
 * Canary rollouts end to end on real model servers (`python -m kiln_sdk.serve`, the SDK's toy
 * model), a real SQLite registry, the API's PredictionRouter and rolloutWorkflow on the dev
 * server with the real rollout activities. Only the platform's process management is a stand-in
 * (it starts the toy servers instead of building environments). A challenger that always answers
 * the same class is rolled back on its prediction PSI while every request is answered; a
 * challenger that answers like the champion is promoted and made champion.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRolloutActivities } from '../../../activities/rollout.js';
import { createPromotionActivities } from '../../../activities/promotion.js';
import type { ActivityDeps } from '../../../activities/activity-deps.js';
import { PredictionRouter, type PredictionAnswer } from '../../../api/prediction-router.js';
import type { ModelServing } from '../../../core/platform/platform.js';
import { RUN_CONTRACT_ENV as E } from '../../../core/runner/run-contract.js';
import { recordPromotion } from '../../../core/serving/promotion-record.js';
import { RolloutSpec, type RolloutSpecInput } from '../../../core/specs/rollout.js';
import type { RolloutState, rolloutWorkflow } from '../../../workflows/rollout.js';
import { startServe, type ServeProcess } from '../../support/python-model-server.js';
import { registerVersions, useScratchRegistry } from '../../support/scratch-registry.js';
import { installQuietRuntime, uniqueId, useTemporalEnv, withWorker } from '../../workflows/workflow-harness.js';

installQuietRuntime();
const env = useTemporalEnv();
const scratch = useScratchRegistry('rollout-it');
const servers: ServeProcess[] = [];
let models = 0;
let launches = 0;

afterEach(() => {
  for (const server of servers.splice(0)) server.child.kill('SIGKILL');
});

/** Class means per model version: v1 (champion) and v3 tell [0,0] from [10,10]; v2 knows only class 0. */
const MEANS: Record<number, Record<string, number[]>> = { 1: { '0': [0, 0], '1': [10, 10] }, 2: { '0': [0, 0] }, 3: { '0': [0, 0], '1': [10, 10] } };

async function serveToy(version: number): Promise<{ url: string; port: number; pid: number }> {
  const modelDir = join(scratch.dir, `model-v${version}-${++launches}`);
  mkdirSync(modelDir);
  writeFileSync(join(modelDir, 'toy.json'), JSON.stringify({ means: MEANS[version], features: ['a', 'b'] }));
  const server = await startServe({
    [E.entrypoint]: 'toy_model.py:ToyModel',
    [E.modelDir]: modelDir,
    [E.servePort]: '0',
    KILN_MODEL_VERSION: String(version),
    KILN_PREDICTION_LOG_DIR: join(scratch.dir, 'spool', `v${version}-${launches}`),
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, port: server.port, pid: server.child.pid! };
}

/** The local platform's serving, minus environments: toy servers started here. */
function toyServing(): ModelServing {
  const candidates = new Map<number, ServeProcess>();
  return {
    async startCandidate({ modelName, version }) {
      const server = await serveToy(version);
      candidates.set(version, servers.at(-1)!);
      return { url: server.url, deploymentId: `${modelName}-v${version}-candidate` };
    },
    async stopCandidate({ version }) {
      candidates.get(version)?.child.kill('SIGTERM');
    },
    async deploy({ modelName, version }) {
      const server = await serveToy(version);
      const id = `${modelName}-v${version}`;
      await recordPromotion(
        scratch.metadata,
        { id, modelName, version, url: server.url, port: server.port, pid: null },
        await scratch.metadata.models.currentDeployment(modelName),
      );
      return { url: server.url, deploymentId: id };
    },
    restoreAll: async () => [],
    stopAll: async () => undefined,
    predictionSpools: async () => [],
  };
}

/** A model with versions 1-3 registered, v1 serving and champion. */
async function servedModel(): Promise<string> {
  const modelName = `toy${++models}`;
  await registerVersions(scratch.metadata, modelName, [1, 2, 3]);
  const champion = await serveToy(1);
  await recordPromotion(scratch.metadata, { id: `${modelName}-v1`, modelName, version: 1, ...champion, pid: null }, undefined);
  await scratch.metadata.aliases.move({ eventId: `${modelName}/first`, modelName, alias: 'champion', version: 1, actor: 'test', reason: 'first champion' });
  return modelName;
}

/**
 * Runs a rollout of `version` while clients keep predicting through the router; returns how it
 * ended and every answer (a failed request would throw out of here).
 */
async function rolloutUnderLoad(modelName: string, version: number, rollout: RolloutSpecInput) {
  const router = new PredictionRouter(scratch.metadata, { flushEveryMs: 200 });
  const serving = toyServing();
  const deps = { metadata: scratch.metadata, platform: { serving } } as unknown as ActivityDeps;
  const activities = {
    ...createRolloutActivities(deps),
    ...createPromotionActivities(deps),
    deployModel: (input: { modelName: string; version: number }) => serving.deploy(input),
  };
  const answers: PredictionAnswer[] = [];
  let done = false;
  // Each request holds one instance of each class, so a version's predicted values split evenly unless it cannot tell them apart.
  const clients = Array.from({ length: 4 }, async () => {
    while (!done)
      answers.push(
        await router.predict(modelName, {
          instances: [
            [0.5, 0.2],
            [9.5, 10.1],
          ],
        }),
      );
  });
  try {
    const state = await withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof rolloutWorkflow>('rolloutWorkflow', {
        taskQueue,
        workflowId: uniqueId(`rollout-${modelName}`),
        args: [
          {
            modelName,
            championVersion: 1,
            challengerVersion: version,
            rollout: RolloutSpec.parse(rollout),
            observeMs: 6_000,
            sampleEveryMs: 1_000,
            actor: 'alice',
          },
        ],
        workflowExecutionTimeout: '2 minutes',
      });
      return (await handle.result()) as RolloutState;
    });
    return { state, answers };
  } finally {
    done = true;
    await Promise.all(clients);
    await router.close();
  }
}

describe('a canary rollout on real model servers', () => {
  it('rolls back a challenger that always answers the same class; every request is answered, the champion keeps serving', async () => {
    const modelName = await servedModel();
    const { state, answers } = await rolloutUnderLoad(modelName, 2, {
      strategy: 'canary',
      percent: 20,
      duration: '10s',
      max_p95_ms: 2_000,
      max_prediction_psi: 0.2,
    });
    expect(state).toMatchObject({ outcome: 'rolled_back', reason: expect.stringContaining('prediction PSI') });
    const byChallenger = answers.filter((a) => a.version === 2);
    expect(byChallenger.length).toBeGreaterThanOrEqual(10);
    expect(byChallenger.every((a) => (a.predictions as number[]).every((p) => p === 0))).toBe(true);
    expect(answers.every((a) => a.version === 1 || a.version === 2)).toBe(true);
    expect(await scratch.metadata.models.currentDeployment(modelName)).toMatchObject({ version: 1, status: 'serving' });
    expect(await scratch.metadata.aliases.get(modelName, 'champion')).toMatchObject({ version: 1 });
    expect(await scratch.metadata.rollouts.latest(modelName)).toMatchObject({ status: 'rolled_back', challengerVersion: 2, reason: state.reason });
  });

  it('promotes a challenger that answers like the champion: it serves alone and becomes champion', async () => {
    const modelName = await servedModel();
    const { state, answers } = await rolloutUnderLoad(modelName, 3, {
      strategy: 'canary',
      percent: 20,
      duration: '10s',
      max_p95_ms: 2_000,
      max_prediction_psi: 0.2,
    });
    expect(state).toMatchObject({ outcome: 'promoted', samples: 6 });
    expect(answers.some((a) => a.version === 3)).toBe(true);
    expect(answers.every((a) => JSON.stringify(a.predictions) === '[0,1]')).toBe(true);
    expect(await scratch.metadata.models.currentDeployment(modelName)).toMatchObject({ version: 3, status: 'serving' });
    expect(await scratch.metadata.aliases.get(modelName, 'champion')).toMatchObject({ version: 3 });
    expect(await scratch.metadata.rollouts.latest(modelName)).toMatchObject({ status: 'promoted' });
  });
});
