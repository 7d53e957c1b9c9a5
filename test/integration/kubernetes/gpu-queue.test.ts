// GPU stages on Kubernetes: their own task queue with as many slots as GPUs Kiln may use, and a
// stage that must wait for a GPU says so (run status, CLI, the Web UI's current details).
// Real: Temporal, worker, API, scheduler GPU accounting. Simulated: containers (pod stand-in).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KilnApiClient } from '../../../api/client/kiln-api-client.js';
import { readSpecFile } from '../../../api/cli/apply-file.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import type { EmbeddedStack } from '../../../workers/embedded-stack.js';
import { eventually } from '../../support/process-check.js';
import { bindKilnWorkerRole } from '../../support/kube-apply.js';
import { createPrivateGpuNode } from '../../support/fake-gpu-node.js';
import { startPodStandIn } from '../../support/pod-stand-in.js';
import { startTestStack } from '../../support/test-stack.js';
import { waitForRun } from '../../support/wait-for-run.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const fixture = join(__dirname, '..', '..', 'fixtures', 'checkpointing');

describe.skipIf(!kubeconfig)(`GPU stages on Kubernetes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-gpu-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let stack: EmbeddedStack;
  let client: KilnApiClient;
  let taskQueue: string;
  let stopStandIn: () => void;
  const running = new Set<string>();
  let mostAtOnce = 0;
  let stopWatch: AbortController | undefined;
  let gpuNode: Awaited<ReturnType<typeof createPrivateGpuNode>>;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    // A 2-GPU node of this file's own, so other test files' pods cannot take its GPUs.
    gpuNode = await createPrivateGpuNode(admin, `${namespace}-gpu`, 2);
    await bindKilnWorkerRole(kubeconfig!, namespace);
    let config;
    ({ stack, client, config } = await startTestStack('k8s-gpu', {
      executor: 'kubernetes',
      kubernetes: KubernetesSettings.parse({
        kubeconfig: workerKubeconfig,
        namespace,
        kilnImage: 'kiln:test',
        imageRegistry: 'registry.test/kiln-env',
        podAnnotations: { 'kiln.dev/simulate': 'hang' },
        gpuSlots: 1,
        nodeSelector: gpuNode.nodeSelector,
        tolerations: gpuNode.tolerations,
      }),
    }));
    taskQueue = config.taskQueue;
    const python = execFileSync('sh', ['-c', 'command -v python3']).toString().trim();
    stopStandIn = startPodStandIn(admin, stack.backends.artifacts, {
      workDir: mkdtempSync(join(tmpdir(), 'kiln-gpu-stand-in-')),
      sdkDir: join(__dirname, '..', '..', '..', 'sdk', 'python'),
      python,
    });
    // Every Kiln stage pod holding a GPU at any moment, to see the slot limit from the cluster's side.
    stopWatch = await admin.watch.watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { labelSelector: 'app.kubernetes.io/component=stage' },
      (type, pod) => {
        const name = pod.metadata.name as string;
        const active = type !== 'DELETED' && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
        if (active) running.add(name);
        else running.delete(name);
        mostAtOnce = Math.max(mostAtOnce, running.size);
      },
      () => {},
    );
    const spec = readSpecFile(join(fixture, 'kiln.json'));
    await client.applyDataset({ ...spec.dataset!, path: join(fixture, 'data', 'tiny.csv') });
    for (const gpus of [1, 2]) {
      await client.applyEnvironment({ ...spec.environment!, name: `gpu-${gpus}`, use_gpu: true, max_used_gpu: gpus });
      await client.applyProject({ ...spec.project!, name: `gpu-${gpus}`, environment: `gpu-${gpus}`, source_dir: join(fixture, 'src') });
    }
  });
  afterAll(async () => {
    stopWatch?.abort();
    stopStandIn?.();
    await stack?.stop();
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await gpuNode?.remove();
  });

  it('runs GPU stages on the GPU queue, never more at once than its slots, though the cluster has room for more', async () => {
    const started = await Promise.all(
      [1, 2, 3].map(() => client.startRun({ project: 'gpu-1', cache: false, params: { extras: { steps: 3, step_seconds: 0.2 } } })),
    );
    const runs = await Promise.all(started.map(({ run_id }) => waitForRun(client, run_id, 180_000)));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // The node has 2 GPUs; the one GPU slot kept Kiln to one GPU pod at a time.
    expect(mostAtOnce).toBe(1);
    const history = await stack.client.workflow.getHandle(runs[0]!.runId).fetchHistory();
    const queues = history
      .events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runStage')
      .map((e) => e.activityTaskScheduledEventAttributes!.taskQueue!.name);
    expect(queues).toEqual([`${taskQueue}-gpu`, `${taskQueue}-gpu`]);
  });

  it('a stage waiting for a GPU shows the scheduler reason in the run status and the Web UI details, then runs when one frees up', async () => {
    // Someone else's pod holds one of the node's two GPUs.
    const releaseGpu = await gpuNode.holdGpus(1);
    const { run_id } = await client.startRun({ project: 'gpu-2', cache: false, params: { extras: { steps: 2, step_seconds: 0.01 } } });
    const waiting = await eventually(
      async () => {
        const train = (await client.getRun(run_id)).steps.find((s) => s.step === 'train');
        return train?.status === 'waiting' && /^waiting for GPU: 0\/\d+ nodes are available: .*Insufficient nvidia\.com\/gpu/.test(train.message ?? '');
      },
      60_000,
      200,
    );
    expect(waiting).toBe(true);
    const metadata = await stack.client.workflow.getHandle(run_id).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/- train: waiting — waiting for GPU: /);

    await releaseGpu();
    const run = await waitForRun(client, run_id, 120_000);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.step === 'train')?.status).toBe('succeeded');
  });
});
