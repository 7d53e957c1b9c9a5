// Environment image builds (KanikoImageBuilder) against a real API server, scheduler and Job
// controller (the testbed). Simulated: Kaniko never runs; kwok ends its pod as the
// kiln.dev/simulate annotations say (scripts/k8s/stages/pod-simulate.yaml) and serves its log
// from a file. What Kaniko does with the Dockerfile is Kaniko's; the Dockerfile itself is unit-tested.
import { CustomObjectsApi, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EnvironmentBuildError } from '../../../core/environments/environment-build-error.js';
import { ConflictError } from '../../../core/errors.js';
import { renderDockerfile } from '../../../core/environments/image/dockerfile.js';
import { KanikoImageBuilder } from '../../../core/environments/image/kaniko-image-builder.js';
import { imageBuildName, KANIKO_EXECUTOR_IMAGE } from '../../../core/environments/image/kaniko-job.js';
import { connectKubernetes, type KubeClients } from '../../../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { EnvironmentSpec } from '../../../core/specs/environment.js';
import { environmentDigest } from '../../../core/specs/environment-digest.js';

const kubeconfig = inject('kubeconfigPath');
const workerKubeconfig = inject('kubeWorkerKubeconfigPath');
const unavailable = inject('kubeUnavailableReason');
const REGISTRY = 'registry.test:5000/kiln-env';
/** Every verb KanikoImageBuilder uses, and no other: the least-privilege Role's share for image builds. */
const BUILDER_RULES: V1PolicyRule[] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'patch'] },
];

/** Polls `read` until `done` holds (bounded); tests may poll, the product watches. */
async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!kubeconfig)(`Kaniko image builder${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const namespace = `kiln-image-${process.pid}-${Date.now().toString(36)}`;
  let admin: KubeClients;
  let specs = 0;

  beforeAll(async () => {
    admin = connectKubernetes({ kubeconfig: kubeconfig!, namespace });
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await admin?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  /** A builder whose build pods kwok treats as `podAnnotations` say. */
  const builder = (podAnnotations: Record<string, string> = {}, clients = admin) =>
    new KanikoImageBuilder({
      clients,
      settings: KubernetesSettings.parse({ kubeconfig, namespace, imageRegistry: REGISTRY, podAnnotations, jobTtlSeconds: 600 }),
      logDrainMs: 1_000,
    });

  /** A spec of its own per test, so digests (and Job names) never collide. */
  function environment() {
    specs += 1;
    const spec = EnvironmentSpec.parse({ name: `env-${specs}`, python_version: '3.12', dependencies: [`numpy==2.1.${specs}`, 'scikit-learn==1.5.2'] });
    return { spec, digest: environmentDigest(spec) };
  }

  const buildJobs = async () => (await admin.batch.listNamespacedJob({ namespace, labelSelector: 'app.kubernetes.io/component=image-build' })).items;

  it('creates a Kaniko Job on the Dockerfile ConfigMap, as the API server reads it back, and resolves when it completes', async () => {
    const { spec, digest } = environment();
    const built = await builder().build(spec, digest);
    expect(built).toMatchObject({ image: `${REGISTRY}:${digest}`, digest, reused: false });

    const job = await admin.batch.readNamespacedJob({ namespace, name: imageBuildName(digest) });
    expect(job.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
    expect(job.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 600 });
    expect(job.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'kiln',
      'app.kubernetes.io/component': 'image-build',
      'kiln.dev/environment-digest': digest.slice(0, 63),
    });
    const pod = job.spec!.template.spec!;
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({
      name: 'kaniko',
      image: KANIKO_EXECUTOR_IMAGE,
      args: [
        '--dockerfile=/workspace/Dockerfile',
        '--context=dir:///workspace',
        `--destination=${REGISTRY}:${digest}`,
        '--cache=true',
        '--digest-file=/dev/termination-log',
      ],
      volumeMounts: [{ name: 'context', mountPath: '/workspace', readOnly: true }],
    });
    expect(pod.volumes).toEqual([{ name: 'context', configMap: expect.objectContaining({ name: imageBuildName(digest) }) }]);
    const context = await admin.core.readNamespacedConfigMap({ namespace, name: imageBuildName(digest) });
    expect(context.data?.Dockerfile).toBe(renderDockerfile(spec, digest));
    expect(context.data?.Dockerfile).toMatch(/^FROM python:3\.12-slim\n/);
  });

  it('never builds a digest twice: a second build finds the image and creates nothing', async () => {
    const { spec, digest } = environment();
    const b = builder();
    await b.build(spec, digest);
    const before = await buildJobs();
    const again = await b.build(spec, digest);
    expect(again).toMatchObject({ image: `${REGISTRY}:${digest}`, reused: true, durationMs: 0 });
    expect(await b.locate(digest)).toMatchObject({ image: `${REGISTRY}:${digest}` });
    const after = await buildJobs();
    expect(after.map((j) => j.metadata!.uid).sort()).toEqual(before.map((j) => j.metadata!.uid).sort());
  });

  it('joins a build already running for the same digest instead of starting a second', async () => {
    const { spec, digest } = environment();
    const slow = builder({ 'kiln.dev/simulate-delay': '2s' });
    const [a, b] = await Promise.all([slow.build(spec, digest), slow.build(spec, digest)]);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    const jobs = (await buildJobs()).filter((j) => j.metadata!.name === imageBuildName(digest));
    expect(jobs).toHaveLength(1);
  });

  it('fails with an EnvironmentBuildError naming the exit code when Kaniko exits non-zero; the next build starts afresh', async () => {
    const { spec, digest } = environment();
    const failing = builder({
      'kiln.dev/simulate': 'exit-code',
      'kiln.dev/simulate-exit-code': '3',
      'kiln.dev/simulate-message': 'ERROR: No matching distribution found for numpy==2.1.99',
    });
    const error = await failing.build(spec, digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentBuildError);
    expect((error as Error).message).toContain('kaniko exited with code 3');
    expect((error as EnvironmentBuildError).outputTail).toEqual(['ERROR: No matching distribution found for numpy==2.1.99']);
    expect(await failing.locate(digest)).toBeUndefined();
    const failedUid = (await admin.batch.readNamespacedJob({ namespace, name: imageBuildName(digest) })).metadata!.uid;

    // A later call is a new attempt: the failed Job is replaced, not joined.
    const built = await builder().build(spec, digest);
    expect(built.reused).toBe(false);
    const job = await admin.batch.readNamespacedJob({ namespace, name: imageBuildName(digest) });
    expect(job.metadata!.uid).not.toBe(failedUid);
  });

  it('refuses a digest whose Job name is taken by another environment (same first 16 characters) rather than build the wrong Dockerfile', async () => {
    const { spec, digest } = environment();
    const other = `${digest.slice(0, 16)}${'0'.repeat(48)}`;
    await admin.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: imageBuildName(digest), annotations: { 'kiln.dev/environment-digest': other } }, data: { Dockerfile: 'FROM scratch\n' } },
    });
    await expect(builder().build(spec, digest)).rejects.toBeInstanceOf(ConflictError);
    expect((await buildJobs()).filter((j) => j.metadata!.name === imageBuildName(digest))).toHaveLength(0);
  });

  it('streams the build pod’s log to onLine', async () => {
    const { spec, digest } = environment();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-kaniko-log-'));
    try {
      const file = join(dir, 'kaniko.log');
      writeFileSync(
        file,
        [
          '2025-01-01T00:00:00.000000000Z stderr F INFO[0000] Retrieving image manifest python:3.12-slim',
          '2025-01-01T00:00:01.000000000Z stderr F INFO[0001] Pushing image',
          '',
        ].join('\n'),
      );
      const lines: string[] = [];
      const building = builder({ 'kiln.dev/simulate-delay': '4s' }).build(spec, digest, { onLine: (line) => lines.push(line) });
      const pods = await until(
        'the build pod',
        () => admin.core.listNamespacedPod({ namespace, labelSelector: `job-name=${imageBuildName(digest)}` }),
        (l) => l.items.length === 1,
      );
      // kwok serves this file as the kaniko container's log once it sees the Logs object.
      await admin.config.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        namespace,
        plural: 'logs',
        body: {
          apiVersion: 'kwok.x-k8s.io/v1alpha1',
          kind: 'Logs',
          metadata: { name: pods.items[0]!.metadata!.name },
          spec: { logs: [{ containers: ['kaniko'], logsFile: file }] },
        },
      });
      await building;
      expect(lines).toEqual(['INFO[0000] Retrieving image manifest python:3.12-slim', 'INFO[0001] Pushing image']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs no verbs beyond its declared rules: build, fail, replace the failed Job, record the image', async () => {
    const rbac = admin.config.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'image-builder' }, rules: BUILDER_RULES } });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'image-builder' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'image-builder' },
        subjects: [{ kind: 'User', name: 'kiln-worker' }],
      },
    });
    const worker = connectKubernetes({ kubeconfig: workerKubeconfig!, namespace });
    // The authorizer learns of a new binding through its own watch: give it a moment.
    await until(
      'the binding to take effect',
      () =>
        worker.batch.listNamespacedJob({ namespace }).then(
          () => true,
          () => false,
        ),
      (ok) => ok,
    );
    await expect(worker.core.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });

    const { spec, digest } = environment();
    const failing = builder({ 'kiln.dev/simulate': 'exit-code' }, worker);
    await expect(failing.build(spec, digest, { onLine: () => {} })).rejects.toBeInstanceOf(EnvironmentBuildError);
    const built = await builder({}, worker).build(spec, digest, { onLine: () => {} });
    expect(await builder({}, worker).locate(digest)).toMatchObject({ image: built.image });
  });

  it('deletes the build Job when aborted', async () => {
    const { spec, digest } = environment();
    const controller = new AbortController();
    const building = builder({ 'kiln.dev/simulate': 'hang' }).build(spec, digest, { signal: controller.signal });
    await until(
      'the build pod to run',
      () => admin.core.listNamespacedPod({ namespace, labelSelector: `job-name=${imageBuildName(digest)}` }),
      (l) => l.items[0]?.status?.phase === 'Running',
    );
    controller.abort(new Error('cancelled by test'));
    await expect(building).rejects.toThrow('cancelled by test');
    await until(
      'the build Job to be gone',
      () => admin.batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${imageBuildName(digest)}` }),
      (l) => l.items.length === 0,
    );
  });
});
