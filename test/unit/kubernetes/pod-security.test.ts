import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildImageJob } from '../../../core/environments/image/kaniko-job.js';
import type { StagePlacement } from '../../../core/executors/executor.js';
import { buildStageJob } from '../../../core/executors/kubernetes/stage-job.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { buildModelDeployment } from '../../../core/serving/kubernetes/model-deployment.js';
import { buildWorkspacePod } from '../../../core/workspaces/kubernetes/workspace-pod.js';

const settings = KubernetesSettings.parse({ namespace: 'ml' });
const placement: StagePlacement = {
  project: 'iris',
  runId: 'iris-20261202-030000-abcd',
  stage: 'train',
  attempt: 1,
  image: 'registry.test/kiln-env:abc',
  environmentDigest: 'a'.repeat(64),
  resources: { cpu: '1', memory: '512Mi', gpus: 0 },
  io: {
    sourceDigest: 's',
    datasetPrefix: 'datasets/iris/v1',
    upstream: {},
    params: {},
    outputPrefix: 'runs/x/train/outputs',
    checkpointPrefix: 'runs/x/train/checkpoints',
  },
};
const stagePod = buildStageJob({ id: 'x', command: ['python', '-m', 'kiln_sdk.stage'], workingDirectory: '/', env: {}, timeoutMs: 1000 }, placement, settings)
  .spec!.template.spec!;
const modelPod = buildModelDeployment(
  {
    modelName: 'iris',
    version: 1,
    image: 'registry.test/kiln-env:abc',
    artifactPrefix: 'models/iris/1',
    sourceDigest: 'f'.repeat(64),
    entrypoint: 'model.py:M',
  },
  settings,
).spec!.template.spec!;
const kanikoPod = buildImageJob({ digest: 'ab'.repeat(32), destination: 'registry.test/kiln-env:ab', deadlineSeconds: 600 }, settings).spec!.template.spec!;

const workspacePod = buildWorkspacePod(
  { name: 'nb', image: 'registry.test/kiln-env:abc', limits: { cpu: 1, memory: 1024, gpus: 1 }, jupyterlabVersion: '4.6.6', port: 8888, syncSeconds: 15 },
  settings,
).spec!;

const codeServerPod = buildWorkspacePod(
  {
    name: 'vs',
    kind: 'code-server',
    codeServerImage: 'codercom/code-server:4.139.1',
    image: 'registry.test/kiln-env:abc',
    limits: { cpu: 1, memory: 1024, gpus: 0 },
    jupyterlabVersion: '4.6.6',
    port: 8888,
    syncSeconds: 15,
  },
  settings,
).spec!;

const containersOf = (pod: V1PodSpec): V1Container[] => [...(pod.initContainers ?? []), ...pod.containers];

describe.each([
  ['a stage pod', stagePod],
  ['a model-server pod', modelPod],
  ['a workspace pod', workspacePod],
  ['a code-server workspace pod', codeServerPod],
])('%s', (_label, pod) => {
  it('runs every container as one non-root user, with the runtime default seccomp profile', () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of containersOf(pod)) expect(c.securityContext?.runAsUser, c.name).toBeUndefined();
  });

  it('gives no container a capability or a way to gain privileges', () => {
    for (const c of containersOf(pod)) expect(c.securityContext, c.name).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it("keeps Kiln's own containers on a read-only root filesystem, with a scratch /tmp", () => {
    const kiln = containersOf(pod).filter((c) => c.image === settings.kilnImage);
    expect(kiln.length).toBeGreaterThan(0);
    for (const c of kiln) {
      expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
      expect(
        c.volumeMounts?.map((m) => m.mountPath),
        c.name,
      ).toContain('/tmp');
    }
  });

  it('runs as kiln-stage with no service-account token', () => {
    expect(pod).toMatchObject({ serviceAccountName: 'kiln-stage', automountServiceAccountToken: false });
  });
});

describe('an image build (Kaniko) pod', () => {
  const [kaniko] = kanikoPod.containers;

  it('runs as root, as Kaniko must, but with no token, no privilege escalation and the runtime default seccomp profile', () => {
    expect(kanikoPod).toMatchObject({
      serviceAccountName: 'kiln-stage',
      automountServiceAccountToken: false,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(kaniko!.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false });
    expect(kaniko!.securityContext?.privileged).toBeUndefined();
  });

  it("keeps only file-ownership capabilities from Docker's default set: no raw sockets, chroot or capability changes", () => {
    const { drop, add } = kaniko!.securityContext!.capabilities!;
    expect(drop).toEqual(['ALL']);
    expect(add).toEqual(expect.arrayContaining(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID']));
    for (const dangerous of ['NET_RAW', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'SETPCAP', 'SYS_ADMIN', 'AUDIT_WRITE']) expect(add).not.toContain(dangerous);
  });
});
