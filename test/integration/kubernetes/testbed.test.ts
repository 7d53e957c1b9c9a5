// Proves the Kubernetes testbed (scripts/k8s-testbed.sh) that Kiln's Kubernetes executor is
// tested against. Real here: the API server and its validation, RBAC, kube-scheduler's resource
// accounting (GPUs included), and the Job controller's verdicts. Simulated: containers never run;
// kwok writes the container states a kubelet would, chosen per pod by annotation
// (scripts/k8s/stages/pod-simulate.yaml).
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { until } from '../../support/kube-until.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const toolVersions = readFileSync(new URL('../../../scripts/tool-versions.sh', import.meta.url), 'utf8');
const pinnedVersion = /^KUBERNETES_VERSION=(\S+)/m.exec(toolVersions)![1];

function clients(path: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return { core: kc.makeApiClient(k8s.CoreV1Api), batch: kc.makeApiClient(k8s.BatchV1Api), kc };
}

const condition = (job: k8s.V1Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const finished = (job: k8s.V1Job) => Boolean(condition(job, 'Complete') || condition(job, 'Failed'));

// Skipped only outside CI, when the testbed could not start (test/support/test-kubernetes.ts).
describe.skipIf(!kubeconfig)(`Kubernetes testbed${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let core: k8s.CoreV1Api, batch: k8s.BatchV1Api, kc: k8s.KubeConfig;
  const namespace = `kiln-testbed-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    ({ core, batch, kc } = clients(kubeconfig!));
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  /** A one-container Job that never retries; `annotations` choose what its pod's container does. */
  function jobSpec(name: string, annotations: Record<string, string> = {}, spec: Partial<k8s.V1JobSpec> = {}): k8s.V1Job {
    return {
      metadata: { name },
      spec: {
        backoffLimit: 0,
        ...spec,
        template: {
          metadata: { annotations },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'stage', image: 'kiln-runner:test', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
          },
        },
      },
    };
  }

  async function runJob(body: k8s.V1Job): Promise<{ job: k8s.V1Job; pod: k8s.V1Pod }> {
    const name = body.metadata!.name!;
    await batch.createNamespacedJob({ namespace, body });
    const job = await until(`job ${name} to finish`, () => batch.readNamespacedJob({ namespace, name }), finished);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
    expect(pods.items).toHaveLength(1);
    return { job, pod: pods.items[0]! };
  }

  it('serves the pinned Kubernetes version', async () => {
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe(pinnedVersion);
  });

  it('completes a Job whose pod exits 0', async () => {
    const { job, pod } = await runJob(jobSpec('succeeds'));
    expect(condition(job, 'Complete')).toBeTruthy();
    expect(job.status?.succeeded).toBe(1);
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.spec?.nodeName).toMatch(/^kiln-(gpu|cpu)-node$/);
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('fails a Job whose container exits 3, with the exit code on the pod', async () => {
    const { job, pod } = await runJob(jobSpec('exits-3', { 'kiln.dev/simulate': 'exit-code', 'kiln.dev/simulate-exit-code': '3' }));
    expect(condition(job, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error', message: 'simulated exit code 3' });
  });

  it('fails a Job whose container is OOMKilled', async () => {
    const { job, pod } = await runJob(jobSpec('oom', { 'kiln.dev/simulate': 'oom-killed' }));
    expect(condition(job, 'Failed')).toBeTruthy();
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('stops a hanging Job at its activeDeadlineSeconds', async () => {
    const started = Date.now();
    await batch.createNamespacedJob({ namespace, body: jobSpec('hangs', { 'kiln.dev/simulate': 'hang' }, { activeDeadlineSeconds: 2 }) });
    const done = await until('job hangs to finish', () => batch.readNamespacedJob({ namespace, name: 'hangs' }), finished);
    expect(condition(done, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    // The Job controller deleted its pod; kwok stopped and removed it as a kubelet would.
    await until(
      'the hanging pod to be gone',
      () => core.listNamespacedPod({ namespace, labelSelector: 'job-name=hangs' }),
      (l) => l.items.length === 0,
    );
  });

  it('keeps a pod asking for more GPUs than any node has Pending as Unschedulable', async () => {
    const gpus = (n: number, name: string): k8s.V1Pod => ({
      metadata: { name },
      spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'kiln-runner:test', resources: { limits: { 'nvidia.com/gpu': String(n) } } }] },
    });
    await core.createNamespacedPod({ namespace, body: gpus(3, 'three-gpus') });
    const pending = await until(
      'the scheduler to give up on three-gpus',
      () => core.readNamespacedPod({ namespace, name: 'three-gpus' }),
      (p) => Boolean(p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')),
    );
    expect(pending.status?.phase).toBe('Pending');
    const scheduled = pending.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    expect(scheduled.reason).toBe('Unschedulable');
    expect(scheduled.message).toContain('nvidia.com/gpu');
    // Two fit, on the only node with GPUs.
    await core.createNamespacedPod({ namespace, body: gpus(2, 'two-gpus') });
    const placed = await until(
      'two-gpus to be bound',
      () => core.readNamespacedPod({ namespace, name: 'two-gpus' }),
      (p) => Boolean(p.spec?.nodeName),
    );
    expect(placed.spec?.nodeName).toBe('kiln-gpu-node');
    // The GPU node is shared with the other files' GPU tests: hand its GPUs back now, not at teardown.
    await core.deleteNamespacedPod({ namespace, name: 'two-gpus', gracePeriodSeconds: 0 });
  });

  it('serves a container log from a file through GET pods/log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-k8s-log-'));
    try {
      const file = join(dir, 'stage.log');
      // CRI log format, as a kubelet keeps container logs.
      writeFileSync(file, ['2025-01-01T00:00:00.000000000Z stdout F epoch 1 loss 0.5', '2025-01-01T00:00:01.000000000Z stderr F done', ''].join('\n'));
      const { pod } = await runJob(jobSpec('logs'));
      const name = pod.metadata!.name!;
      await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        namespace,
        plural: 'logs',
        body: { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Logs', metadata: { name }, spec: { logs: [{ containers: ['stage'], logsFile: file }] } },
      });
      // kwok picks the Logs object up through a watch: allow it a moment.
      const log = await until(
        'the log',
        () => core.readNamespacedPodLog({ namespace, name, container: 'stage' }),
        (l) => l.length > 0,
        10_000,
      );
      expect(log).toBe('epoch 1 loss 0.5\ndone\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has RBAC on: kiln-worker may not list Jobs until bound to a Role', async () => {
    const worker = clients(workerKubeconfig!).batch;
    await expect(worker.listNamespacedJob({ namespace })).rejects.toMatchObject({ code: 403 });
  });
});
