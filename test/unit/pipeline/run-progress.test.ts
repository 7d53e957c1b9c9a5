import { describe, expect, it } from 'vitest';
import { describeProgress, isTerminal, PIPELINE_STEPS, type RunProgress, type RunStatus } from '../../../core/pipeline/run-progress.js';

describe('isTerminal', () => {
  it.each<[RunStatus, boolean]>([
    ['queued', false],
    ['running', false],
    ['succeeded', true],
    ['failed', true],
    ['rejected', true],
    ['cancelled', true],
  ])('%s → %s', (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
  });
});

describe('PIPELINE_STEPS', () => {
  it('runs the stages in pipeline order, gate before register, promote and serve', () => {
    expect(PIPELINE_STEPS).toEqual(['prepare', 'environment', 'preprocess', 'train', 'evaluate', 'gate', 'register', 'promote', 'serve']);
  });
});

describe('describeProgress', () => {
  const progress: RunProgress = {
    runId: 'breast-cancer-20260101-120000-00ab',
    project: 'breast-cancer',
    modelName: 'breast-cancer',
    status: 'running',
    params: {},
    metrics: {},
    steps: PIPELINE_STEPS.map((step) => ({ step, status: 'pending' as const })),
  };
  progress.steps[0] = { step: 'prepare', status: 'succeeded', durationMs: 1234 };
  progress.steps[1] = { step: 'environment', status: 'waiting', message: 'waiting for environment build' };
  progress.steps[3] = { step: 'train', status: 'running', durationMs: 0 };

  const lines = describeProgress(progress).split('\n');

  it('starts with the project, run id and status', () => {
    expect(lines[0]).toBe('**breast-cancer** run `breast-cancer-20260101-120000-00ab`: running');
  });

  it('lists every step once, in order', () => {
    expect(lines).toHaveLength(1 + PIPELINE_STEPS.length);
    expect(lines.slice(1).map((l) => /^- (\w+): /.exec(l)?.[1])).toEqual([...PIPELINE_STEPS]);
  });

  it.each([
    ['a duration in seconds with two decimals', 1, '- prepare: succeeded 1.23s'],
    ['the message after a dash', 2, '- environment: waiting — waiting for environment build'],
    ['a zero duration rather than none', 4, '- train: running 0.00s'],
    ['only the status when there is nothing else', 9, '- serve: pending'],
  ])('shows %s', (_label, index, expected) => {
    expect(lines[index]).toBe(expected);
  });
});
