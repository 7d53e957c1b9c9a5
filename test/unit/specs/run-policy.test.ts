import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { RunPolicy } from '../../../core/specs/run-policy.js';
import { problemsOf } from './spec-problems.js';

const parse = (input: unknown) => parseSpec(RunPolicy, input, 'run_policy');

describe('RunPolicy', () => {
  it('defaults to a 300 s timeout, no retries and no auto-resume', () => {
    expect(parse({})).toEqual({ timeout_seconds: 300, retry_count_limit: 0, auto_resume: false });
  });

  it.each([
    ['the shortest timeout', { timeout_seconds: 1 }],
    ['a one-week timeout', { timeout_seconds: 7 * 24 * 3600 }],
    ['no retries', { retry_count_limit: 0 }],
    ['100 retries', { retry_count_limit: 100 }],
  ])('accepts %s', (_label, input) => {
    expect(parse(input)).toMatchObject(input);
  });

  it.each([
    ['timeout_seconds', 0],
    ['timeout_seconds', -5],
    ['timeout_seconds', 1.5],
    ['timeout_seconds', 7 * 24 * 3600 + 1],
    ['retry_count_limit', -1],
    ['retry_count_limit', 101],
    ['retry_count_limit', 0.5],
    ['auto_resume', 'yes'],
  ])('rejects %s = %j', (field, value) => {
    expect(problemsOf(() => parse({ [field]: value })).map((p) => p.path)).toEqual([`run_policy.${field}`]);
  });

  it('rejects an unknown field', () => {
    expect(problemsOf(() => parse({ max_retries: 3 }))).toEqual([{ path: 'run_policy', message: 'unknown field "max_retries"' }]);
  });
});
