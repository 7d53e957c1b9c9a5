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
