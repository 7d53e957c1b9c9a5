import { describe, expect, it } from 'vitest';
import type { StagePlacement } from '../../../core/executors/executor.js';
import { stageJobName, stageLabels } from '../../../core/executors/kubernetes/stage-job.js';
import { labelValue, objectName } from '../../../core/kubernetes/labels.js';
import { newRunId } from '../../../core/pipeline/workflow-ids.js';
import { trialRunId } from '../../../workflows/experiment-state.js';

const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

describe('labelValue', () => {
  it.each(['iris', 'iris-20261202-030000-abcd', 'a'.repeat(63), '', 'A.b_c-9'])('keeps the valid value %j as it is', (value) => {
    expect(labelValue(value)).toBe(value);
  });

  it.each([
    ['too long', 'x'.repeat(80)],
    ['bad characters', 'run/one two'],
    ['a bad first character', '-run'],
    ['only bad characters', '///'],
  ])('makes a valid label of a value with %s', (_label, value) => {
    expect(labelValue(value)).toMatch(LABEL_VALUE);
    expect(labelValue(value)).not.toBe(value);
  });

  it('gives values that agree up to the cut different labels', () => {
    const base = 'p'.repeat(70);
    expect(labelValue(`${base}-trial-1`)).not.toBe(labelValue(`${base}-trial-2`));
  });

  it('gives values that differ only in a cleaned character different labels', () => {
    expect(labelValue('a b')).not.toBe(labelValue('a/b'));
  });
});

describe('the parallel trials of an experiment with a 40-character name', () => {
  const experimentId = newRunId(`exp-${'e'.repeat(40)}`, new Date('2026-12-02T03:00:00Z'));
  const trials = [0, 1, 2].map((index) => trialRunId(experimentId, index));
  const placement = (runId: string): StagePlacement => ({
    project: 'iris',
    runId,
    stage: 'train',
    attempt: 1,
    image: 'registry.test/kiln-env:abc',
    environmentDigest: 'a'.repeat(64),
    resources: { gpus: 0 },
    io: { sourceDigest: 's', datasetPrefix: 'd', upstream: {}, params: {}, outputPrefix: 'o', checkpointPrefix: 'c' },
  });

  it('have run ids longer than a label value may be', () => {
    for (const id of trials) expect(id.length).toBeGreaterThan(63);
  });

  it('each get their own run label, so a pod selector matches only its own trial', () => {
    const labels = trials.map((id) => stageLabels(placement(id))['kiln.dev/run']!);
    expect(new Set(labels).size).toBe(3);
    for (const label of labels) expect(label).toMatch(LABEL_VALUE);
  });

  it('each get their own Job name', () => {
    const names = trials.map((id) => stageJobName(placement(id)));
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(63);
  });
});

describe('objectName', () => {
  it('keeps a short name and hashes a long one', () => {
    expect(objectName(['kiln', 'iris', 'train', '1'])).toBe('kiln-iris-train-1');
    expect(objectName(['kiln', 'x'.repeat(80), '1'])).toMatch(/^kiln-x+-[0-9a-f]{8}$/);
  });
});
