import { describe, expect, it } from 'vitest';
import type { StagePlacement } from '../../../core/executors/executor.js';
import { buildStageJob, stageJobName } from '../../../core/executors/kubernetes/stage-job.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';

/** The champion's evaluation runs as stage `evaluate` inside the challenger's run, under step `champion`. */
const placement = (step?: string): StagePlacement => ({
  project: 'iris',
  runId: 'iris-20261202-030000-abcd',
  stage: 'evaluate',
  ...(step ? { step } : {}),
  attempt: 1,
  image: 'registry.test/kiln-env:abc',
  environmentDigest: 'a'.repeat(64),
  resources: { gpus: 0 },
  io: {
    sourceDigest: 's',
    datasetPrefix: 'datasets/iris/v1',
    upstream: {},
    params: {},
    outputPrefix: 'runs/x/champion/outputs',
    checkpointPrefix: 'runs/x/champion/checkpoints',
  },
});

describe('a stage Job recorded under another step name', () => {
  const settings = KubernetesSettings.parse({});

  it("gets its own Job name and stage label, so it never collides with the run's own evaluate Job", () => {
    expect(stageJobName(placement())).toBe('kiln-iris-20261202-030000-abcd-evaluate-1');
    expect(stageJobName(placement('champion'))).toBe('kiln-iris-20261202-030000-abcd-champion-1');
    expect(
      buildStageJob({ id: 'x', command: [], workingDirectory: '/', env: {}, timeoutMs: 1000 }, placement('champion'), settings).metadata?.labels?.[
        'kiln.dev/stage'
      ],
    ).toBe('champion');
  });

  it('still runs the evaluate stage of the run contract', () => {
    const job = buildStageJob(
      { id: 'x', command: [], workingDirectory: '/', env: { KILN_ENTRYPOINT: 'model.py:M' }, timeoutMs: 1000 },
      placement('champion'),
      settings,
    );
    const stage = job.spec?.template.spec?.containers.find((c) => c.name === 'stage');
    expect(stage?.env?.find((e) => e.name === 'KILN_STAGE')?.value).toBe('evaluate');
  });
});

describe("a stage Job's trace context", () => {
  const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const containerEnv = (env: Record<string, string>) => {
    const pod = buildStageJob({ id: 'x', command: [], workingDirectory: '/', env, timeoutMs: 1000 }, placement(), KubernetesSettings.parse({})).spec?.template
      .spec;
    return { stage: pod?.containers.find((c) => c.name === 'stage')?.env ?? [], init: (pod?.initContainers ?? []).flatMap((c) => c.env ?? []) };
  };

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
