// The Kubernetes executor against a real API server, scheduler and Job controller (the testbed).
// Simulated: containers never run; kwok sets the container states a kubelet would, chosen per
// pod by the kiln.dev/simulate annotations (scripts/k8s/stages/pod-simulate.yaml), and serves
// container logs from files. What runs inside the containers is proven locally (stage-io tests).
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { classifyStageExit } from '../../../core/executors/classify-stage-exit.js';
import type { StageExit, StagePlacement, StageProcessSpec } from '../../../core/executors/executor.js';
import { KubernetesExecutor } from '../../../core/executors/kubernetes/kubernetes-executor.js';
import { stageJobName } from '../../../core/executors/kubernetes/stage-job.js';
import { SpecValidationError } from '../../../core/errors.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { parseMetricLine } from '../../../core/runner/metric-line.js';
import { createPrivateGpuNode } from '../../support/fake-gpu-node.js';

const kubeconfig = inject('kubeconfigPath');
const unavailable = inject('kubeUnavailableReason');

describe.skipIf(!kubeconfig)(`Kubernetes executor${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-exec-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let attempt = 0;
  // GPU stages go to a 2-GPU node of this file's own: other files' pods cannot take its GPUs.
  let gpuNode: Awaited<ReturnType<typeof createPrivateGpuNode>>;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    gpuNode = await createPrivateGpuNode(admin, `${namespace}-gpu`, 2);
  });
  afterAll(async () => {
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await gpuNode?.remove();
  });

  const executor = (podAnnotations: Record<string, string> = {}, extra: Partial<KubernetesSettings> = {}) =>
    new KubernetesExecutor({
      clients: admin,
      settings: KubernetesSettings.parse({
        kubeconfig,
        namespace,
        kilnImage: 'kiln:test',
        imageRegistry: 'registry.test/kiln-env',
        podAnnotations,
        nodeSelector: { 'kiln.dev/pool': 'any' },
        ...extra,
      }),
      logDrainMs: 3_000,
      imagePullGraceMs: 1_000,
    });

  function stage(
    overrides: { gpus?: number; timeoutMs?: number; signal?: AbortSignal; resume?: string } = {},
  ): StageProcessSpec & { placement: StagePlacement } {
    attempt += 1;
    const placement: StagePlacement = {
      project: 'breast-cancer',
      runId: `breast-cancer-20261122-030000-${attempt.toString(16).padStart(4, '0')}`,
      stage: 'train',
      attempt: 1,
      image: 'registry.test/kiln-env:abc123',
      environmentDigest: 'abc123'.padEnd(64, '0'),
      resources: { cpu: '2', memory: '4096Mi', gpus: overrides.gpus ?? 0 },
      io: {
        sourceDigest: 'f'.repeat(64),
        datasetPrefix: 'datasets/tiny/v1',
        upstream: { preprocess: 'runs/r/preprocess/outputs' },
        params: { learning_rate: 0.1 },
        outputPrefix: 'runs/r/train/outputs',
        checkpointPrefix: 'runs/r/train/checkpoints',
        ...(overrides.resume ? { resumeCheckpointKey: overrides.resume } : {}),
      },
    };
    return {
      id: `${placement.runId}/train/1`,
      command: ['python', '-m', 'kiln_sdk.stage'],
      workingDirectory: '/kiln/workspace/src',
      env: { KILN_ENTRYPOINT: 'stages.py:train' },
      timeoutMs: overrides.timeoutMs ?? 60_000,
      signal: overrides.signal,
      placement,
    };
  }

  const nodeSelectorFree = { nodeSelector: {} } as const;
  const onPrivateGpuNode = () => ({ nodeSelector: gpuNode.nodeSelector, tolerations: gpuNode.tolerations });

  it('creates one Job per attempt with the init container, sidecar, resources, GPUs, deadline, labels and run contract the spec implies', async () => {
    const spec = stage({ gpus: 1, resume: 'runs/r/train/checkpoints/step-8' });
    const exit = await executor({}, onPrivateGpuNode()).run(spec, { onLine: () => {} });
    expect(exit.exitCode).toBe(0);
    const job = await admin.batch.readNamespacedJob({ namespace, name: stageJobName(spec.placement) });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 3600 });
    expect(job.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'kiln',
      'kiln.dev/project': 'breast-cancer',
      'kiln.dev/run': spec.placement.runId,
      'kiln.dev/stage': 'train',
      'kiln.dev/attempt': '1',
    });
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.initContainers?.map((c) => [c.name, c.image, c.command?.at(-1), c.restartPolicy ?? null])).toEqual([
      ['fetch-inputs', 'kiln:test', 'fetch', null],
      ['store-outputs', 'kiln:test', 'sync', 'Always'],
    ]);
    const io = JSON.parse(pod.initContainers![0]!.env!.find((e) => e.name === 'KILN_STAGE_IO')!.value!);
    expect(io).toEqual(spec.placement.io);
    const main = pod.containers[0]!;
    expect(main.image).toBe('registry.test/kiln-env:abc123');
    expect(main.command).toEqual(['python', '-m', 'kiln_sdk.stage']);
    expect(main.resources?.limits).toEqual({ cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' });
    expect(main.resources?.requests).toEqual(main.resources?.limits);
    const env = Object.fromEntries(main.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      KILN_RUN_ID: spec.placement.runId,
      KILN_STAGE: 'train',
      KILN_ATTEMPT: '1',
      KILN_ENTRYPOINT: 'stages.py:train',
      KILN_PARAMS_FILE: '/kiln/workspace/params.json',
      KILN_DATASET_DIR: '/kiln/workspace/dataset',
      KILN_INPUTS_DIR: '/kiln/workspace/inputs',
      KILN_OUTPUT_DIR: '/kiln/workspace/output',
      KILN_CHECKPOINT_DIR: '/kiln/workspace/checkpoints',
      KILN_RESUME_CHECKPOINT: '/kiln/workspace/resume',
      KILN_SOURCE_DIR: '/kiln/workspace/src',
      PYTHONPATH: '/kiln/workspace/sdk',
    });
    // The scheduler put the GPU pod on the GPU node.
    const pods = await admin.core.listNamespacedPod({ namespace, labelSelector: `kiln.dev/run=${spec.placement.runId}` });
    expect(pods.items[0]?.spec?.nodeName).toBe(`${namespace}-gpu`);
    expect(pod.nodeSelector).toEqual(gpuNode.nodeSelector);
    expect(pod.tolerations).toEqual(gpuNode.tolerations);
  });

  const classify = (exit: StageExit) => classifyStageExit('train', exit, { timeoutSeconds: 2, lastOutputLine: '' });

  it.each<[string, Record<string, string>, Partial<StageExit>, string]>([
    ['success', {}, { exitCode: 0, timedOut: false }, ''],
    ['a non-zero exit', { 'kiln.dev/simulate': 'exit-code', 'kiln.dev/simulate-exit-code': '3' }, { exitCode: 3 }, 'user_code_error'],
    ['the OOM killer', { 'kiln.dev/simulate': 'oom-killed' }, { exitCode: 137, oomKilled: true }, 'out_of_memory'],
  ])('%s ends the stage with the right class', async (_label, annotations, expected, failureClass) => {
    const exit = await executor(annotations, nodeSelectorFree).run(stage(), { onLine: () => {} });
    expect(exit).toMatchObject({ cancelled: false, ...expected });
    if (failureClass) expect(classify(exit).failureClass).toBe(failureClass);
  });

  it('a stage over its deadline fails as a timeout (the Job controller enforces activeDeadlineSeconds)', async () => {
    const exit = await executor({ 'kiln.dev/simulate': 'hang' }, nodeSelectorFree).run(stage({ timeoutMs: 2_000 }), { onLine: () => {} });
    expect(exit.timedOut).toBe(true);
    expect(classify(exit).failureClass).toBe('timeout');
  });

  it('cancel deletes the Job and its pods', async () => {
    const controller = new AbortController();
    const spec = stage({ signal: controller.signal });
    const running = executor({ 'kiln.dev/simulate': 'hang' }, nodeSelectorFree).run(spec, { onLine: () => {}, onStart: () => controller.abort() });
    const exit = await running;
    expect(exit.cancelled).toBe(true);
    const selector = `kiln.dev/run=${spec.placement.runId}`;
    await expect(admin.batch.readNamespacedJob({ namespace, name: stageJobName(spec.placement) })).rejects.toMatchObject({ code: 404 });
    const deadline = Date.now() + 20_000;
    while ((await admin.core.listNamespacedPod({ namespace, labelSelector: selector })).items.length > 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('a GPU request larger than any node is rejected before anything is created', async () => {
    const spec = stage({ gpus: 3 });
    const error = await executor({}, nodeSelectorFree)
      .run(spec, { onLine: () => {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems[0]).toEqual({
      path: 'environment.max_used_gpu',
      message: 'asks for 3 GPUs; the largest node in the cluster has 2',
    });
    expect((await admin.batch.listNamespacedJob({ namespace, labelSelector: `kiln.dev/run=${spec.placement.runId}` })).items).toHaveLength(0);
  });

  it('a GPU stage waits with the scheduler reason while the GPUs are taken, then runs when they free up', async () => {
    const holder = new AbortController();
    let holdingStarted!: () => void;
    const holds = new Promise<void>((resolve) => (holdingStarted = resolve));
    const holding = executor({ 'kiln.dev/simulate': 'hang' }, onPrivateGpuNode()).run(stage({ gpus: 2, signal: holder.signal }), {
      onLine: () => {},
      onStart: () => holdingStarted(),
    });
    // Only once the first stage holds both GPUs: otherwise the scheduler might place the second first.
    await holds;
    const pending: string[] = [];
    let started = false;
    const waiting = executor({}, onPrivateGpuNode()).run(stage({ gpus: 2 }), {
      onLine: () => {},
      onStart: () => (started = true),
      onPending: (reason) => {
        pending.push(reason);
        // Free the GPUs once the waiting stage has said why it waits.
        if (/^waiting for GPU: /.test(reason)) holder.abort();
      },
    });
    expect((await holding).cancelled).toBe(true);
    const exit = await waiting;
    expect(exit.exitCode).toBe(0);
    expect(pending.find((r) => r.startsWith('waiting for GPU: '))).toMatch(/0\/\d+ nodes are available: .*Insufficient nvidia\.com\/gpu/);
    expect(started).toBe(true);
  });

  it('a node selector nobody matches leaves the stage pending with the scheduler reason', async () => {
    const controller = new AbortController();
    let reason = '';
    const exit = await executor().run(stage({ signal: controller.signal }), {
      onLine: () => {},
      onPending: (r) => {
        reason = r;
        if (r.startsWith('waiting for a node: ')) controller.abort();
      },
    });
    expect(exit.cancelled).toBe(true);
    expect(reason).toMatch(/^waiting for a node: 0\/\d+ nodes are available: .*node affinity\/selector/);
  });

  it("streams the stage container's log into the observer, metric lines included", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-k8s-stage-log-'));
    const file = join(dir, 'stage.log');
    writeFileSync(
      file,
      `${['kiln: stage train attempt 1', 'KILN_METRIC {"name":"loss","value":0.25,"step":1}', 'KILN_METRIC {"name":"loss","value":0.125,"step":2}', 'done']
        .map((line, i) => `2026-11-22T03:00:0${i}.000000000Z stdout F ${line}`)
        .join('\n')}\n`,
    );
    const spec = stage();
    const lines: string[] = [];
    const custom = admin.config.makeApiClient(k8s.CustomObjectsApi);
    const run = executor({ 'kiln.dev/simulate-delay': '3s' }, nodeSelectorFree).run(spec, { onLine: (line) => lines.push(line) });
    // kwok serves this pod's log from the file once a Logs object names the pod.
    const deadline = Date.now() + 20_000;
    let podName: string | undefined;
    while (!podName) {
      expect(Date.now()).toBeLessThan(deadline);
      podName = (await admin.core.listNamespacedPod({ namespace, labelSelector: `kiln.dev/run=${spec.placement.runId}` })).items[0]?.metadata?.name;
      if (!podName) await new Promise((r) => setTimeout(r, 100));
    }
    await custom.createNamespacedCustomObject({
      group: 'kwok.x-k8s.io',
      version: 'v1alpha1',
      namespace,
      plural: 'logs',
      body: { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Logs', metadata: { name: podName }, spec: { logs: [{ containers: ['stage'], logsFile: file }] } },
    });
    expect((await run).exitCode).toBe(0);
    expect(lines).toEqual([
      'kiln: stage train attempt 1',
      'KILN_METRIC {"name":"loss","value":0.25,"step":1}',
      'KILN_METRIC {"name":"loss","value":0.125,"step":2}',
      'done',
    ]);
    const metrics = lines.map(parseMetricLine).filter((p) => p.kind === 'metric');
    expect(metrics.map((m) => m.kind === 'metric' && m.metric.value)).toEqual([0.25, 0.125]);
  });
});
