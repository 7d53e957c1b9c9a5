import { describe, expect, it } from 'vitest';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import {
  buildModelDeployment,
  buildModelService,
  modelDeploymentName,
  modelServiceUrl,
  type ModelDeploymentInput,
} from '../../../core/serving/kubernetes/model-deployment.js';

const settings = KubernetesSettings.parse({ namespace: 'ml', kilnImage: 'ghcr.io/kiln-mlops/kiln:1.2.3', artifactsSecret: 'artifacts' });
const input: ModelDeploymentInput = {
  modelName: 'breast-cancer',
  version: 3,
  image: 'registry.ml.svc:5000/kiln-env:abc',
  artifactPrefix: 'models/breast-cancer/3',
  sourceDigest: 'f'.repeat(64),
  entrypoint: 'model.py:Classifier',
};
const selector = { 'app.kubernetes.io/managed-by': 'kiln', 'app.kubernetes.io/component': 'model-server', 'kiln.dev/model': 'breast-cancer' };

describe('buildModelDeployment', () => {
  const deployment = buildModelDeployment(input, settings);
  const pod = deployment.spec!.template.spec!;
  const server = pod.containers[0]!;
  const env = Object.fromEntries(server.env!.map((e) => [e.name, e.value]));

  it('is named after the model and selects its pods by model only, so every version shares one selector', () => {
    expect(deployment.metadata).toMatchObject({ name: 'kiln-model-breast-cancer', namespace: 'ml' });
    expect(deployment.spec!.selector).toEqual({ matchLabels: selector });
  });

  it('names the version in the pod template labels, annotations and environment', () => {
    expect(deployment.spec!.template.metadata!.labels).toEqual({ ...selector, 'kiln.dev/model-version': '3' });
    expect(deployment.spec!.template.metadata!.annotations).toEqual({ 'kiln.dev/model-version': '3' });
    expect(env).toMatchObject({ KILN_MODEL_NAME: 'breast-cancer', KILN_MODEL_VERSION: '3' });
  });

  it("tells the server which predictions to log: all up to the default rate, or the project's prediction_log", () => {
    expect(env).toMatchObject({ KILN_PREDICTION_LOG_SAMPLE: '1', KILN_PREDICTION_LOG_MAX_PER_S: '2000' });
    const sampled = buildModelDeployment({ ...input, predictionLog: { sample: 0.1, max_per_second: 50 } }, settings);
    const sampledEnv = Object.fromEntries(sampled.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(sampledEnv).toMatchObject({ KILN_PREDICTION_LOG_SAMPLE: '0.1', KILN_PREDICTION_LOG_MAX_PER_S: '50' });
  });

  it('rolls out without losing capacity: one extra pod at a time, none taken away early', () => {
    expect(deployment.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(deployment.spec!.replicas).toBe(1);
    expect(buildModelDeployment({ ...input, replicas: 3 }, settings).spec!.replicas).toBe(3);
  });

  it('fetches the model version and the source with the Kiln image before the server starts', () => {
    const init = pod.initContainers![0]!;
    expect(init).toMatchObject({ name: 'fetch-model', image: 'ghcr.io/kiln-mlops/kiln:1.2.3', envFrom: [{ secretRef: { name: 'artifacts' } }] });
    expect(JSON.parse(init.env!.find((e) => e.name === 'KILN_SERVING_IO')!.value!)).toEqual({
      sourceDigest: input.sourceDigest,
      modelPrefix: 'models/breast-cancer/3',
      modelName: 'breast-cancer',
      version: 3,
    });
    expect(init.volumeMounts).toEqual([...server.volumeMounts!, { name: 'kiln-tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([
      { name: 'serving', emptyDir: {} },
      { name: 'kiln-tmp', emptyDir: {} },
    ]);
  });

  it('spools the prediction log in the shared directory, where a Kiln sidecar ships it to the artifact store', () => {
    expect(env.KILN_PREDICTION_LOG_DIR).toBe('/kiln/serving/predictions');
    const shipper = pod.containers[1]!;
    expect(shipper).toMatchObject({
      name: 'ship-predictions',
      image: 'ghcr.io/kiln-mlops/kiln:1.2.3',
      command: ['node', '/app/bin/kiln.js', 'serving-io', 'ship'],
      envFrom: [{ secretRef: { name: 'artifacts' } }],
      env: pod.initContainers![0]!.env,
      securityContext: { readOnlyRootFilesystem: true },
    });
    expect(shipper.volumeMounts).toEqual(pod.initContainers![0]!.volumeMounts);
  });

  it('runs kiln_sdk.serve in the environment image on the serving port, with the run contract the SDK reads', () => {
    expect(server).toMatchObject({
      name: 'server',
      image: input.image,
      command: ['python', '-m', 'kiln_sdk.serve', '--host', '0.0.0.0'],
      ports: [{ name: 'http', containerPort: 8080 }],
    });
    expect(env).toMatchObject({
      KILN_STAGE: 'serve',
      KILN_ENTRYPOINT: 'model.py:Classifier',
      KILN_MODEL_DIR: '/kiln/serving/model',
      KILN_SOURCE_DIR: '/kiln/serving/src',
      KILN_SERVE_PORT: '8080',
      PYTHONPATH: '/kiln/serving/sdk',
    });
  });

  it("passes the project's serve settings to the server, the defaults when there are none", () => {
    expect(env).toMatchObject({ KILN_SERVE_WORKERS: '1', KILN_SERVE_MAX_BATCH: '256', KILN_SERVE_BATCH_WAIT_MS: '0', KILN_SERVE_MAX_IN_FLIGHT: '256' });
    const tuned = buildModelDeployment({ ...input, serve: { workers: 2, max_batch: 64, batch_wait_ms: 1, max_in_flight: 512 } }, settings);
    expect(Object.fromEntries(tuned.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]))).toMatchObject({
      KILN_SERVE_WORKERS: '2',
      KILN_SERVE_MAX_BATCH: '64',
      KILN_SERVE_BATCH_WAIT_MS: '1',
      KILN_SERVE_MAX_IN_FLIGHT: '512',
    });
  });

  it('is ready only when /health answers', () => {
    expect(server.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
  });

  it('requests what it limits when the environment sets limits, and nothing otherwise', () => {
    expect(server.resources).toBeUndefined();
    const limited = buildModelDeployment({ ...input, resources: { cpu: 1.5, memoryMiB: 2048 } }, settings).spec!.template.spec!.containers[0]!;
    expect(limited.resources).toEqual({ requests: { cpu: '1.5', memory: '2048Mi' }, limits: { cpu: '1.5', memory: '2048Mi' } });
  });

  it('places pods like every Kiln pod: node selector, tolerations, pod annotations', () => {
    const placed = KubernetesSettings.parse({ nodeSelector: { pool: 'serving' }, tolerations: [{ key: 'k', operator: 'Exists' }], podAnnotations: { a: 'b' } });
    const template = buildModelDeployment(input, placed).spec!.template;
    expect(template.spec!.nodeSelector).toEqual({ pool: 'serving' });
    expect(template.spec!.tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
    expect(template.metadata!.annotations).toEqual({ a: 'b', 'kiln.dev/model-version': '3' });
  });

  it('differs between versions only where the version shows', () => {
    const v4 = buildModelDeployment({ ...input, version: 4, artifactPrefix: 'models/breast-cancer/4' }, settings);
    expect(v4.spec!.selector).toEqual(deployment.spec!.selector);
    expect(v4.metadata!.name).toBe(deployment.metadata!.name);
    expect(v4.spec!.template.metadata!.labels!['kiln.dev/model-version']).toBe('4');
  });
});

describe('buildModelService', () => {
  it('selects every version of the model on the serving port', () => {
    const service = buildModelService('breast-cancer', settings);
    expect(service.metadata!.name).toBe(modelDeploymentName('breast-cancer'));
    expect(service.spec).toEqual({ type: 'ClusterIP', selector, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] });
  });

  it('is reached at the in-cluster URL deploy returns', () => {
    expect(modelServiceUrl('breast-cancer', 'ml')).toBe('http://kiln-model-breast-cancer.ml.svc:8080');
  });
});
