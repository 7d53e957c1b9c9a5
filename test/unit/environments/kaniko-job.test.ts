import { describe, expect, it } from 'vitest';
import { buildContextConfigMap, buildImageJob, imageBuildName, KANIKO_EXECUTOR_IMAGE } from '../../../core/environments/image/kaniko-job.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';

const digest = 'ab12'.repeat(16);
const settings = KubernetesSettings.parse({ namespace: 'ml', imageRegistry: 'registry.ml.svc:5000/kiln-env', jobTtlSeconds: 600 });
const input = { digest, destination: `registry.ml.svc:5000/kiln-env:${digest}`, deadlineSeconds: 900 };

describe('imageBuildName', () => {
  it('is derived from the digest alone, so every builder of one spec meets at one Job', () => {
    expect(imageBuildName(digest)).toBe('kiln-build-ab12ab12ab12ab12');
    expect(imageBuildName(digest)).toBe(imageBuildName(`${digest.slice(0, 16)}${'f'.repeat(48)}`));
  });
});

describe('buildImageJob', () => {
  const job = buildImageJob(input, settings);
  const pod = job.spec!.template.spec!;
  const kaniko = pod.containers[0]!;

  it('runs the pinned Kaniko executor on the ConfigMap context and pushes the digest tag with the layer cache', () => {
    expect(kaniko.image).toBe(KANIKO_EXECUTOR_IMAGE);
    expect(KANIKO_EXECUTOR_IMAGE).toMatch(/:v\d+\.\d+\.\d+$/);
    expect(kaniko.args).toEqual([
      '--dockerfile=/workspace/Dockerfile',
      '--context=dir:///workspace',
      `--destination=registry.ml.svc:5000/kiln-env:${digest}`,
      '--cache=true',
      '--digest-file=/dev/termination-log',
    ]);
    expect(pod.volumes).toEqual([{ name: 'context', configMap: { name: 'kiln-build-ab12ab12ab12ab12' } }]);
    expect(kaniko.volumeMounts).toEqual([{ name: 'context', mountPath: '/workspace', readOnly: true }]);
  });

  it('never retries, is bounded by a deadline and is cleaned up after the TTL', () => {
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 600 });
    expect(pod.restartPolicy).toBe('Never');
  });

  it('is labelled as a Kiln image build of this environment, the full digest in an annotation', () => {
    const labels = { 'app.kubernetes.io/managed-by': 'kiln', 'app.kubernetes.io/component': 'image-build', 'kiln.dev/environment-digest': digest.slice(0, 63) };
    expect(job.metadata).toMatchObject({
      name: 'kiln-build-ab12ab12ab12ab12',
      namespace: 'ml',
      labels,
      annotations: { 'kiln.dev/environment-digest': digest },
    });
    expect(job.spec!.template.metadata!.labels).toEqual(labels);
  });

  it('reports a failure through the last log lines as the termination message', () => {
    expect(kaniko.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it('mounts registry credentials at /kaniko/.docker when a Secret is named', () => {
    const withSecret = buildImageJob({ ...input, registrySecret: 'push-creds' }, settings).spec!.template.spec!;
    expect(withSecret.volumes).toContainEqual({
      name: 'registry-credentials',
      secret: { secretName: 'push-creds', items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
    });
    expect(withSecret.containers[0]!.volumeMounts).toContainEqual({ name: 'registry-credentials', mountPath: '/kaniko/.docker', readOnly: true });
  });

  it('talks plain HTTP to an insecure registry, for the cache repository too', () => {
    expect(buildImageJob({ ...input, insecureRegistry: true }, settings).spec!.template.spec!.containers[0]!.args).toContain(
      '--insecure-registry=registry.ml.svc:5000',
    );
  });

  it('places the pod like every Kiln pod: node selector, tolerations, pod annotations', () => {
    const placed = KubernetesSettings.parse({
      nodeSelector: { pool: 'kiln' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'kiln', effect: 'NoSchedule' }],
      podAnnotations: { 'sidecar.istio.io/inject': 'false' },
    });
    const template = buildImageJob(input, placed).spec!.template;
    expect(template.spec!.nodeSelector).toEqual({ pool: 'kiln' });
    expect(template.spec!.tolerations).toEqual(placed.tolerations);
    expect(template.metadata!.annotations).toEqual({ 'sidecar.istio.io/inject': 'false' });
  });
});

describe('buildContextConfigMap', () => {
  it('holds the Dockerfile under the name the Job mounts', () => {
    const configMap = buildContextConfigMap(digest, 'FROM python:3.11-slim\n', settings);
    expect(configMap.metadata!.name).toBe(imageBuildName(digest));
    expect(configMap.data).toEqual({ Dockerfile: 'FROM python:3.11-slim\n' });
    expect(configMap.metadata!.annotations).toEqual({ 'kiln.dev/environment-digest': digest });
  });
});
