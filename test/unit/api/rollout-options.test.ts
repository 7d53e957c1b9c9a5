import { describe, expect, it } from 'vitest';
import { rolloutFromOptions } from '../../../api/cli/model-commands.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { RolloutSpec } from '../../../core/specs/rollout.js';
import { problemsOf } from '../specs/spec-problems.js';

describe('kiln model rollout flags', () => {
  it('make the canary the issue describes', () => {
    const spec = rolloutFromOptions({ canary: '20', duration: '10m', maxErrorRate: '0.01', maxP95Ms: '50', maxPredictionPsi: '0.2' });
    expect(spec).toEqual({ strategy: 'canary', percent: 20, duration: '10m', max_error_rate: 0.01, max_p95_ms: 50, max_prediction_psi: 0.2 });
    expect(parseSpec(RolloutSpec, spec, 'rollout')).toMatchObject(spec);
  });

  it('make a shadow or a replace', () => {
    expect(rolloutFromOptions({ shadow: true, duration: '5m' })).toEqual({ strategy: 'shadow', duration: '5m' });
    expect(rolloutFromOptions({ replace: true })).toEqual({ strategy: 'replace' });
  });

  it('leave a bad percent for the API to refuse by its field', () => {
    expect(problemsOf(() => parseSpec(RolloutSpec, JSON.parse(JSON.stringify(rolloutFromOptions({ canary: '150' }))), 'rollout'))[0]?.path).toBe(
      'rollout.percent',
    );
    expect(problemsOf(() => parseSpec(RolloutSpec, JSON.parse(JSON.stringify(rolloutFromOptions({}))), 'rollout'))[0]?.path).toBe('rollout.percent');
  });
});
