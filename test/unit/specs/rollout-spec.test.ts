import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { ProjectSpec } from '../../../core/specs/project.js';
import { RolloutSpec } from '../../../core/specs/rollout.js';
import { problemsOf } from './spec-problems.js';

const parseRollout = (input: unknown) => parseSpec(RolloutSpec, input, 'rollout');

describe('RolloutSpec', () => {
  it('fills a canary with the issue thresholds', () => {
    expect(parseRollout({ strategy: 'canary', percent: 20 })).toEqual({
      strategy: 'canary',
      percent: 20,
      duration: '10m',
      max_error_rate: 0.01,
      max_p95_ms: 50,
    });
  });

  it.each([
    ['replace', { strategy: 'replace' }],
    ['a shadow', { strategy: 'shadow', duration: '10m' }],
    [
      'a canary with every bound',
      { strategy: 'canary', percent: 20, duration: '10m', max_error_rate: 0.01, max_p95_ms: 50, max_prediction_psi: 0.2, min_requests: 100 },
    ],
    ['the smallest canary', { strategy: 'canary', percent: 1 }],
    ['the largest canary', { strategy: 'canary', percent: 99 }],
  ])('accepts %s', (_label, input) => {
    expect(parseRollout(input)).toMatchObject(input);
  });

  it.each([
    ['a canary at 0%', { strategy: 'canary', percent: 0 }, 'rollout.percent', 'expected number to be >=1'],
    ['a canary at 100%', { strategy: 'canary', percent: 100 }, 'rollout.percent', 'expected number to be <=99'],
    ['a fractional percent', { strategy: 'canary', percent: 12.5 }, 'rollout.percent', 'expected int'],
    ['a canary without percent', { strategy: 'canary' }, 'rollout.percent', ''],
    ['an error rate over 1', { strategy: 'canary', percent: 20, max_error_rate: 2 }, 'rollout.max_error_rate', 'expected number to be <=1'],
    ['an unparsable duration', { strategy: 'shadow', duration: 'soon' }, 'rollout.duration', 'not a duration'],
    ['a duration under 10 s', { strategy: 'canary', percent: 20, duration: '1s' }, 'rollout.duration', 'must be at least 10s'],
    ['min_requests of 0', { strategy: 'canary', percent: 20, min_requests: 0 }, 'rollout.min_requests', 'expected number to be >=1'],
    ['a percent on a shadow', { strategy: 'shadow', percent: 20 }, 'rollout', 'unknown field "percent"'],
  ])('rejects %s naming the field', (_label, input, path, message) => {
    expect(problemsOf(() => parseRollout(input))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('rejects an unknown strategy', () => {
    expect(problemsOf(() => parseRollout({ strategy: 'blue-green' }))[0]?.path).toBe('rollout.strategy');
  });

  it('is an optional field of a project', () => {
    const project = { name: 'p', source_dir: '/src', dataset: 'd', entrypoints: { train: 't.py', evaluate: 'e.py' } };
    expect(parseSpec(ProjectSpec, project, 'project').rollout).toBeUndefined();
    const canary = parseSpec(ProjectSpec, { ...project, rollout: { strategy: 'canary', percent: 20 } }, 'project');
    expect(canary.rollout).toMatchObject({ strategy: 'canary', percent: 20 });
    expect(problemsOf(() => parseSpec(ProjectSpec, { ...project, rollout: { strategy: 'canary', percent: 150 } }, 'project'))[0]?.path).toBe(
      'project.rollout.percent',
    );
  });
});
