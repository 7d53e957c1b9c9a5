// Progressive delivery on Kubernetes: the rollout activities, and rolloutWorkflow on the test
// Temporal server, with the Kubernetes platform's serving, against the testbed as the kiln-worker
// user bound to deploy/kubernetes' Role. Real: Temporal, the workflow, the activities, the registry
// (SQLite), Deployments, Services, ReplicaSets and the garbage collector. Simulated: containers
// never run (kwok), so no prediction reaches a pod here; the challenger's numbers are added to the
// rollout's record as the API's PredictionRouter adds what it counted (addTraffic, its flush).
// Routing by those records on real model servers is test/integration/rollout/canary-rollout.test.ts.
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/activity-deps.js';
import { createPromotionActivities } from '../../../activities/promotion.js';
import { createRolloutActivities, type OpenRolloutInput } from '../../../activities/rollout.js';
import { createServingActivities } from '../../../activities/serving.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { kubernetesPlatform } from '../../../core/platform/kubernetes/kubernetes-platform.js';
import type { Platform } from '../../../core/platform/platform.js';
import { emptyTraffic } from '../../../core/rollout/version-traffic.js';
import { RolloutSpec, type RolloutSpecInput } from '../../../core/specs/rollout.js';
import type { RolloutState, rolloutWorkflow } from '../../../workflows/rollout.js';
import { bindKilnWorkerRole } from '../../support/kube-apply.js';
import { until } from '../../support/kube-until.js';
import { registerVersions, useScratchRegistry } from '../../support/scratch-registry.js';
import { installQuietRuntime, uniqueId, useTemporalEnv, withWorker } from '../../workflows/workflow-harness.js';
import { projectSpec } from '../metadata/fixtures.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const VERSION = 'kiln.dev/model-version';

installQuietRuntime();

describe.skipIf(!kubeconfig)(`shadow and canary rollouts on Kubernetes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const env = useTemporalEnv();
  const scratch = useScratchRegistry('k8s-rollout');
  const namespace = `kiln-rollout-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let platform: Platform;
  let deps: ActivityDeps;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    await bindKilnWorkerRole(kubeconfig!, namespace);
    platform = kubernetesPlatform({
      metadata: scratch.metadata,
      artifacts: new FilesystemArtifactStore(join(scratch.dir, 'artifacts')),
      clients: connectKubernetes({ kubeconfig: workerKubeconfig!, namespace }),
      settings: KubernetesSettings.parse({ namespace, kilnImage: 'kiln:test', imageRegistry: 'registry.test/kiln-env' }),
    });
    deps = { metadata: scratch.metadata, platform } as unknown as ActivityDeps;
  });
  afterAll(async () => {
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  const readModel = (modelName: string) => admin.apps.readNamespacedDeployment({ namespace, name: `kiln-model-${modelName}` });
  const readCandidate = (modelName: string) => admin.apps.readNamespacedDeployment({ namespace, name: `kiln-candidate-${modelName}` });
  /** Resolves once the candidate's Deployment (and with it, its pods) and Service are gone. */
  const candidateGone = (modelName: string) =>
    until(
      `${modelName}'s candidate to be deleted`,
      async () => [
        ...(await admin.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=kiln-candidate-${modelName}` })).items,
        ...(await admin.core.listNamespacedService({ namespace, fieldSelector: `metadata.name=kiln-candidate-${modelName}` })).items,
        ...(await admin.core.listNamespacedPod({ namespace, labelSelector: `kiln.dev/candidate-of=${modelName}` })).items,
      ],
      (left) => left.length === 0,
    );

  /** A model with versions 1-3 trained (each its own source and environment image), v1 serving from its Deployment and champion. */
  async function servedModel(modelName: string): Promise<void> {
    const { metadata } = scratch;
    await metadata.projects.upsert(projectSpec(modelName, { entrypoints: { train: 'train.py:Model', evaluate: 'evaluate.py', predict: 'serve.py:Model' } }));
    await registerVersions(metadata, modelName, [1, 2, 3], (v) => ({ sourceDigest: String(v).repeat(64), environmentDigest: `e${v}`.repeat(32) }));
    await platform.serving.deploy({ modelName, version: 1 });
    await metadata.aliases.move({ eventId: `${modelName}/first`, modelName, alias: 'champion', version: 1, actor: 'test', reason: 'first champion' });
  }

  it('openRollout starts the challenger beside the champion and routes to its Service; a retry changes nothing; endRollout deletes it', async () => {
    await servedModel('pair');
    const champion = await readModel('pair');
    const activities = createRolloutActivities(deps);
    const input: OpenRolloutInput = {
      rolloutId: 'rollout-pair/1',
      modelName: 'pair',
      championVersion: 1,
      challengerVersion: 2,
      spec: RolloutSpec.parse({ strategy: 'shadow', duration: '10s' }) as OpenRolloutInput['spec'],
      startedBy: 'alice',
    };

    const opened = (await new MockActivityEnvironment().run(activities.openRollout, input)) as { challengerUrl: string };
    expect(opened).toEqual({ challengerUrl: `http://kiln-candidate-pair.${namespace}.svc:8080` });
    expect(await scratch.metadata.rollouts.open('pair')).toMatchObject({ status: 'running', challengerUrl: opened.challengerUrl, challengerVersion: 2 });
    const candidate = await readCandidate('pair');
    expect(candidate.spec!.template.metadata!.labels![VERSION]).toBe('2');
    const server = candidate.spec!.template.spec!.containers[0]!;
    expect(server.image).toBe(`registry.test/kiln-env:${'e2'.repeat(32)}`);
    expect(server.env).toEqual(
      expect.arrayContaining([
        { name: 'KILN_ENTRYPOINT', value: 'serve.py:Model' },
        { name: 'KILN_MODEL_VERSION', value: '2' },
      ]),
    );
    expect(candidate.status).toMatchObject({ availableReplicas: 1 });

    expect(await new MockActivityEnvironment({ attempt: 2 }).run(activities.openRollout, input)).toEqual(opened);
    expect((await readCandidate('pair')).metadata).toMatchObject({ uid: candidate.metadata!.uid, generation: candidate.metadata!.generation });

    await new MockActivityEnvironment().run(activities.endRollout, {
      rolloutId: input.rolloutId,
      modelName: 'pair',
      challengerVersion: 2,
      outcome: 'completed' as const,
      reason: 'shadow ended',
    });
    expect(await scratch.metadata.rollouts.open('pair')).toBeUndefined();
    await candidateGone('pair');
    expect((await readModel('pair')).metadata!.generation).toBe(champion.metadata!.generation);
    expect(await scratch.metadata.models.currentDeployment('pair')).toMatchObject({ version: 1, status: 'serving' });
  });

  /** Runs rolloutWorkflow with the real rollout, serving and promotion activities; `whileRunning` acts once the challenger takes traffic. */
  async function rollout(modelName: string, version: number, spec: RolloutSpecInput, observeMs: number, whileRunning: (rolloutId: string) => Promise<void>) {
    const activities = { ...createRolloutActivities(deps), ...createServingActivities(deps), ...createPromotionActivities(deps) };
    return withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof rolloutWorkflow>('rolloutWorkflow', {
        taskQueue,
        workflowId: uniqueId(`rollout-${modelName}`),
        args: [
          { modelName, championVersion: 1, challengerVersion: version, rollout: RolloutSpec.parse(spec), observeMs, sampleEveryMs: 1_000, actor: 'alice' },
        ],
        workflowExecutionTimeout: '2 minutes',
      });
      const running = await until(
        'the rollout to route to its challenger',
        () => scratch.metadata.rollouts.open(modelName),
        (r) => r?.status === 'running',
      );
      await whileRunning(running!.id);
      return (await handle.result()) as RolloutState;
    });
  }

  it('rolls back a canary whose error rate breaks its bound: the candidate is deleted, the champion’s Deployment never changed', async () => {
    await servedModel('breaks');
    const champion = await readModel('breaks');
    const state = await rollout('breaks', 2, { strategy: 'canary', percent: 20, duration: '10s', max_error_rate: 0.05 }, 60_000, async (rolloutId) => {
      expect((await readCandidate('breaks')).spec!.template.metadata!.labels![VERSION]).toBe('2');
      await scratch.metadata.rollouts.addTraffic(rolloutId, 2, { ...emptyTraffic(), requests: 20, errors: 4 });
    });
    expect(state).toMatchObject({ outcome: 'rolled_back', reason: expect.stringContaining('error rate 0.2 over max_error_rate 0.05') });
    await candidateGone('breaks');
    expect((await readModel('breaks')).metadata!.generation).toBe(champion.metadata!.generation);
    expect(await scratch.metadata.models.currentDeployment('breaks')).toMatchObject({ version: 1, status: 'serving' });
    expect(await scratch.metadata.rollouts.latest('breaks')).toMatchObject({ status: 'rolled_back', challengerVersion: 2 });
  });

  it('promotes a canary within its bounds: the model’s Deployment rolls over to it, it becomes champion, the candidate is deleted', async () => {
    await servedModel('holds');
    const state = await rollout('holds', 3, { strategy: 'canary', percent: 20, duration: '10s' }, 3_000, async (rolloutId) => {
      await scratch.metadata.rollouts.addTraffic(rolloutId, 3, { ...emptyTraffic(), requests: 20 });
    });
    expect(state).toMatchObject({ outcome: 'promoted', samples: 3 });
    const model = await readModel('holds');
    expect(model.spec!.template.metadata!.labels![VERSION]).toBe('3');
    expect(model.status).toMatchObject({ updatedReplicas: 1, availableReplicas: 1 });
    expect(await scratch.metadata.models.currentDeployment('holds')).toMatchObject({ version: 3, status: 'serving' });
    expect(await scratch.metadata.aliases.get('holds', 'champion')).toMatchObject({ version: 3 });
    await candidateGone('holds');
  });
});
