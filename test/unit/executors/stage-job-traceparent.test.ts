import { describe, expect, it } from 'vitest';
import type { StagePlacement } from '../../../core/executors/executor.js';
import { buildStageJob } from '../../../core/executors/kubernetes/stage-job.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';

const placement: StagePlacement = {
  project: 'iris',
  runId: 'iris-20261202-030000-abcd',
  stage: 'train',
  attempt: 1,
  image: 'registry.test/kiln-env:abc',
  environmentDigest: 'a'.repeat(64),
  resources: { gpus: 0 },
  io: {
    sourceDigest: 's',
    datasetPrefix: 'datasets/iris/v1',
    upstream: {},
    params: {},
    outputPrefix: 'runs/x/train/outputs',
    checkpointPrefix: 'runs/x/train/checkpoints',
  },
};
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function containerEnv(env: Record<string, string>) {
  const job = buildStageJob({ id: 'x', command: [], workingDirectory: '/', env, timeoutMs: 1000 }, placement, KubernetesSettings.parse({}));
  const pod = job.spec?.template.spec;
  return { stage: pod?.containers.find((c) => c.name === 'stage')?.env ?? [], init: (pod?.initContainers ?? []).flatMap((c) => c.env ?? []) };
}

describe("a stage Job's trace context", () => {
  it('reaches the stage container as TRACEPARENT when the worker traces', () => {
    const { stage, init } = containerEnv({ KILN_ENTRYPOINT: 'model.py:M', TRACEPARENT });
    expect(stage.filter((e) => e.name === 'TRACEPARENT')).toEqual([{ name: 'TRACEPARENT', value: TRACEPARENT }]);
    // Kiln's own containers report no spans.
    expect(init.some((e) => e.name === 'TRACEPARENT')).toBe(false);
  });

  it('is absent when the worker does not trace', () => {
    expect(containerEnv({ KILN_ENTRYPOINT: 'model.py:M' }).stage.some((e) => e.name === 'TRACEPARENT')).toBe(false);
  });
});
