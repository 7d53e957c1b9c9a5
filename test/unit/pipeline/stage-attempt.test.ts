import { describe, expect, it } from 'vitest';
import { parseStageAttemptId, stageAttemptId, stageWorkspaceName, stepOf } from '../../../core/pipeline/stage-attempt.js';
import { isStageName, STAGES } from '../../../core/pipeline/stage-names.js';

describe('stage names', () => {
  it('are the three pipeline stages, in order', () => {
    expect(STAGES).toEqual(['preprocess', 'train', 'evaluate']);
  });

  it.each([
    ['train', true],
    ['champion', false],
    ['gate', false],
    [undefined, false],
  ])('%j is a stage name: %s', (value, expected) => {
    expect(isStageName(value)).toBe(expected);
  });
});

describe('stage attempts', () => {
  it('are recorded under their stage, or the step that runs it a second time', () => {
    expect(stepOf({ stage: 'evaluate' })).toBe('evaluate');
    expect(stepOf({ stage: 'evaluate', step: 'champion' })).toBe('champion');
  });

  it.each(STAGES.flatMap((step) => [1, 12].map((attempt) => ({ runId: 'breast-cancer-20260101-000000-abcd', step, attempt }))))(
    'name their process by an id that parses back: %j',
    (ref) => {
      expect(stageAttemptId(ref)).toBe(`${ref.runId}/${ref.step}/${ref.attempt}`);
      expect(parseStageAttemptId(stageAttemptId(ref))).toEqual(ref);
    },
  );

  it.each(['run-1/champion/1', 'run-1/train', 'run-1/train/x', '/train/1', 'train/1'])('parse nothing but a pipeline stage attempt: %s', (id) => {
    expect(parseStageAttemptId(id)).toBeUndefined();
  });

  it('get a workspace directory named by step and attempt', () => {
    expect(stageWorkspaceName({ step: 'train', attempt: 2 })).toBe('train-2');
  });
});
