import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { PredictionLogSettings, predictionLogEnv } from '../../../core/specs/prediction-log.js';
import { problemsOf } from './spec-problems.js';

const parse = (input: unknown) => parseSpec(PredictionLogSettings, input, 'prediction_log');

describe('PredictionLogSettings', () => {
  it('logs every prediction up to 2,000 a second by default, and tells the server so', () => {
    expect(parse({})).toEqual({ sample: 1, max_per_second: 2000 });
    expect(predictionLogEnv(parse({}))).toEqual({ KILN_PREDICTION_LOG_SAMPLE: '1', KILN_PREDICTION_LOG_MAX_PER_S: '2000' });
    expect(predictionLogEnv(parse({ sample: 0.05, max_per_second: 50 }))).toEqual({ KILN_PREDICTION_LOG_SAMPLE: '0.05', KILN_PREDICTION_LOG_MAX_PER_S: '50' });
  });

  it('accepts logging nothing', () => {
    expect(parse({ sample: 0 }).sample).toBe(0);
  });

  it.each([
    ['a share over 1', { sample: 1.5 }, 'prediction_log.sample', 'expected number to be <=1'],
    ['a negative share', { sample: -0.1 }, 'prediction_log.sample', 'expected number to be >=0'],
    ['a share as text', { sample: '10%' }, 'prediction_log.sample', 'expected number'],
    ['a zero rate', { max_per_second: 0 }, 'prediction_log.max_per_second', 'expected number to be >=1'],
    ['a fractional rate', { max_per_second: 2.5 }, 'prediction_log.max_per_second', 'expected int'],
    ['an unknown field', { rate: 10 }, 'prediction_log', 'unknown field "rate"'],
  ])('rejects %s', (_label, input, path, message) => {
    expect(problemsOf(() => parse(input))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });
});
