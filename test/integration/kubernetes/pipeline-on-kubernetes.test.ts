// The same project spec that runs on the local executor, run by the Kubernetes executor against
// the testbed, with Kiln's worker using only the least-privilege Role from deploy/kubernetes/.
// Real: Temporal, the worker, the API, Jobs/pods/scheduling/logs through the API server, the
// artifact store. Simulated (test/support/pod-stand-in.ts): what the pod's containers do runs
// as local processes, and kwok reports their exit as the container's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KilnApiClient } from '../../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../../api/cli/apply-file.js';
import { stageLogKey } from '../../../core/artifacts/artifact-keys.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import type { EmbeddedStack } from '../../../workers/embedded-stack.js';
import { bindKilnWorkerRole } from '../../support/kube-apply.js';
import { startPodStandIn } from '../../support/pod-stand-in.js';
import { startTestStack } from '../../support/test-stack.js';
import { waitForRun } from '../../support/wait-for-run.js';
import { execFileSync } from 'node:child_process';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const fixture = join(__dirname, '..', '..', 'fixtures', 'checkpointing');

describe.skipIf(!kubeconfig)(`a pipeline run on Kubernetes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-pipe-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let stack: EmbeddedStack;
  let client: KilnApiClient;
  let stopStandIn: () => void;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'kiln-stage' }, automountServiceAccountToken: false } });
    await bindKilnWorkerRole(kubeconfig!, namespace);
    ({ stack, client } = await startTestStack('k8s-pipeline', {
      executor: 'kubernetes',
      // The worker talks to the cluster as kiln-worker, with only the deploy/ Role's permissions.
      kubernetes: KubernetesSettings.parse({
        kubeconfig: workerKubeconfig,
        namespace,
        kilnImage: 'kiln:test',
        imageRegistry: 'registry.test/kiln-env',
        podAnnotations: { 'kiln.dev/simulate': 'hang' },
      }),
    }));
    const python = execFileSync('sh', ['-c', 'command -v python3']).toString().trim();
    stopStandIn = startPodStandIn(admin, stack.backends.artifacts, {
      workDir: mkdtempSync(join(tmpdir(), 'kiln-pod-stand-in-')),
      sdkDir: join(__dirname, '..', '..', '..', 'sdk', 'python'),
      python,
    });
    await applySpecFile(client, readSpecFile(join(fixture, 'kiln.json')));
  });
  afterAll(async () => {
    stopStandIn?.();
    await stack?.stop();
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('runs train and evaluate as Jobs, streams their logs and metrics, registers the model', async () => {
    const { run_id } = await client.startRun({ project: 'checkpointing', cache: false, params: { extras: { steps: 5, step_seconds: 0.01 } } });
    const run = await waitForRun(client, run_id, 120_000);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('succeeded');
    expect(run.metrics.steps_trained).toBe(5);
    expect(run.modelVersion).toBe(1);

    // The stage ends with its pod; the Job controller marks the Job Complete within about a second.
    const complete = (job: { status?: { conditions?: { type: string; status: string }[] } }) =>
      job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    let jobs = await admin.batch.listNamespacedJob({ namespace, labelSelector: `kiln.dev/run=${run_id}` });
    for (const deadline = Date.now() + 15_000; !jobs.items.every(complete) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      jobs = await admin.batch.listNamespacedJob({ namespace, labelSelector: `kiln.dev/run=${run_id}` });
    }
    expect(jobs.items.map((j) => j.metadata?.labels?.['kiln.dev/stage']).sort()).toEqual(['evaluate', 'train']);
    expect(jobs.items.every(complete)).toBe(true);
    // The stage's log came through the API server (kwok serving the stand-in's output) into the store.
    const log = (await stack.backends.artifacts.getBuffer(stageLogKey(run_id, 'train', 1))).toString();
    expect(log).toMatch(/KILN_METRIC .*"loss"/);
    expect(Object.keys(run.metrics)).toContain('steps_trained');
  });

  it('built the environment as an image with a Kaniko Job, tagged by its spec digest, and never builds it twice', async () => {
    const builds = await admin.batch.listNamespacedJob({ namespace, labelSelector: 'app.kubernetes.io/component=image-build' });
    expect(builds.items).toHaveLength(1);
    const kaniko = builds.items[0]!.spec!.template.spec!.containers[0]!;
    const environments = (await client.listEnvironments()) as { name: string; specDigest: string; build: { status: string; venvPath: string } | null }[];
    const environment = environments.find((e) => e.name === 'stdlib-py311')!;
    const digest = environment.specDigest;
    // The build record names the image, not a local venv.
    expect(environment.build).toMatchObject({ status: 'ready', venvPath: `registry.test/kiln-env:${digest}` });
    expect(kaniko.args).toContain(`--destination=registry.test/kiln-env:${digest}`);
    // Every stage pod of every run used that image.
    const pods = await admin.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=stage' });
    expect(new Set(pods.items.map((p) => p.spec!.containers[0]!.image))).toEqual(new Set([`registry.test/kiln-env:${digest}`]));
  });

  it('serves the promoted model as a Deployment and Service in the training image', async () => {
    const spec = readSpecFile(join(fixture, 'kiln.json')).project!;
    await client.applyProject({ ...spec, name: 'checkpointing-served', source_dir: join(fixture, 'src'), serve: true });
    const { run_id } = await client.startRun({ project: 'checkpointing-served', params: { extras: { steps: 2, step_seconds: 0.01 } } });
    const run = await waitForRun(client, run_id, 120_000);
    expect(run.status).toBe('succeeded');
    expect(run.endpoint).toBe(`http://kiln-model-checkpointing-served.${namespace}.svc:8080`);
    const deployment = await admin.apps.readNamespacedDeployment({ namespace, name: 'kiln-model-checkpointing-served' });
    expect(deployment.status?.availableReplicas).toBe(1);
    expect(deployment.spec?.template.metadata?.labels?.['kiln.dev/model-version']).toBe('1');
    expect(deployment.spec?.template.spec?.containers[0]?.image).toMatch(/^registry\.test\/kiln-env:[0-9a-f]{64}$/);
    const versions = (await client.listModelVersions('checkpointing-served')) as { version: number; status: string }[];
    expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'serving']]);

    // Promoting v2 is a rolling update of the same Deployment; rolling back returns to v1's ReplicaSet.
    const second = await waitForRun(
      client,
      (await client.startRun({ project: 'checkpointing-served', params: { extras: { steps: 3, step_seconds: 0.01 } } })).run_id,
      120_000,
    );
    expect([second.status, second.modelVersion]).toEqual(['succeeded', 2]);
    const servedVersion = async () =>
      (await admin.apps.readNamespacedDeployment({ namespace, name: 'kiln-model-checkpointing-served' })).spec?.template.metadata?.labels?.[
        'kiln.dev/model-version'
      ];
    expect(await servedVersion()).toBe('2');
    const rolledBack = await client.rollbackModel('checkpointing-served');
    expect(rolledBack).toMatchObject({ model: 'checkpointing-served', version: 1, rolled_back_from: 2 });
    expect(await servedVersion()).toBe('1');
    const replicaSets = await admin.apps.listNamespacedReplicaSet({ namespace, labelSelector: 'kiln.dev/model=checkpointing-served' });
    expect(replicaSets.items).toHaveLength(2);
    const statuses = (await client.listModelVersions('checkpointing-served')) as { version: number; status: string }[];
    expect(statuses.map((v) => [v.version, v.status]).sort()).toEqual([
      [1, 'serving'],
      [2, 'archived'],
    ]);
    await expect(client.rollbackModel('checkpointing-served', 1)).rejects.toMatchObject({ status: 409 });
  });

  it("evaluates the champion in its own Job (its image, the challenger's dataset) and promotes the better model", async () => {
    const spec = readSpecFile(join(fixture, 'kiln.json')).project!;
    await client.applyProject({
      ...spec,
      name: 'checkpointing-ct',
      source_dir: join(fixture, 'src'),
      promotion: { compare_to_champion: { metric: 'steps_trained', direction: 'max', min_delta: 0 } },
    });
    const champion = await waitForRun(
      client,
      (await client.startRun({ project: 'checkpointing-ct', params: { extras: { steps: 2, step_seconds: 0.01 } } })).run_id,
      120_000,
    );
    expect(champion).toMatchObject({ status: 'succeeded', promotion: 'champion', modelVersion: 1 });
    // No cache: the champion's evaluation must really run, in a Job of its own.
    const { run_id } = await client.startRun({ project: 'checkpointing-ct', cache: false, params: { extras: { steps: 3, step_seconds: 0.01 } } });
    const challenger = await waitForRun(client, run_id, 120_000);
    expect(challenger).toMatchObject({ status: 'succeeded', promotion: 'champion', modelVersion: 2, champion: { version: 1, metrics: { steps_trained: 2 } } });
    expect(challenger.steps.find((s) => s.step === 'promote')?.message).toBe('v2 is champion: beat champion v1 (3 vs 2, needs higher steps_trained)');
    const jobs = await admin.batch.listNamespacedJob({ namespace, labelSelector: `kiln.dev/run=${run_id},kiln.dev/stage=champion` });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([`kiln-${run_id}-champion-1`]);
    expect(jobs.items[0]?.spec?.template.spec?.containers.find((c) => c.name === 'stage')?.env?.find((e) => e.name === 'KILN_STAGE')?.value).toBe('evaluate');
  });

  it('a stage crashing in its pod is classified, retried in a new Job, and resumes from the checkpoint its sidecar stored', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'kiln-k8s-crash-')), 'crashed');
    const { run_id } = await client.startRun({
      project: 'checkpointing',
      cache: false,
      params: { extras: { steps: 3, step_seconds: 0.01, crash_at_step: 1, crash_marker: marker } },
      run_policy: { retry_count_limit: 1, auto_resume: true },
    });
    const run = await waitForRun(client, run_id, 120_000);
    expect(run.status).toBe('succeeded');
    const attempts = run.steps.find((s) => s.step === 'train')?.attempts ?? [];
    expect(attempts.map((a) => [a.attempt, a.status, a.failureClass ?? null, a.retried])).toEqual([
      [1, 'failed', 'user_code_error', true],
      [2, 'succeeded', null, false],
    ]);
    expect(attempts[0]?.message).toMatch(/exited with code 1: deliberate crash after step 1/);
    expect(run.metrics.resumed_from_step).toBe(1);
    expect(run.metrics.steps_trained).toBe(3);
    const jobs = await admin.batch.listNamespacedJob({ namespace, labelSelector: `kiln.dev/run=${run_id},kiln.dev/stage=train` });
    expect(jobs.items.map((j) => j.metadata?.labels?.['kiln.dev/attempt']).sort()).toEqual(['1', '2']);
  });
});
