import { describe, expect, it } from 'vitest';
import { MonitoringSpec } from '../../../core/specs/monitoring.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { problemsOf } from './spec-problems.js';

const parseMonitoring = (input: unknown) => parseSpec(MonitoringSpec, input, 'monitoring');
const alert = { url: 'https://hooks.example.com/kiln', secret_env: 'KILN_DRIFT_WEBHOOK_SECRET' };

describe('MonitoringSpec defaults', () => {
  it('watches a one-hour window every hour, with the issue thresholds, and only reports drift', () => {
    expect(parseMonitoring({})).toEqual({ window: '1h', min_samples: 200, psi_threshold: 0.2, p_value: 0.01, on_drift: 'none', schedule: '1h' });
  });

  it('runs as often as its window unless given a schedule', () => {
    expect(parseMonitoring({ window: '30m' }).schedule).toBe('30m');
  });

  it('keeps every field it is given', () => {
    const input = { window: '2h', min_samples: 500, psi_threshold: 0.1, p_value: 0.05, on_drift: 'alert', schedule: '15m', alert };
    expect(parseMonitoring(input)).toEqual(input);
  });

  it.each([
    ['a window equal to the schedule', { window: '15m', schedule: '15m' }],
    ['a window longer than the schedule', { window: '1d', schedule: '10s' }],
    ['retraining on drift', { on_drift: 'retrain' }],
    ['an unsigned alert', { on_drift: 'alert', alert: { url: 'http://localhost:8080/hook' } }],
    ['an alert kept while alerts are off', { on_drift: 'none', alert }],
    ['the shortest window', { window: '10s' }],
    ['the longest window', { window: '30d' }],
  ])('accepts %s', (_label, input) => {
    expect(parseMonitoring(input)).toMatchObject(input);
  });
});

describe('MonitoringSpec problems', () => {
  it.each([
    ['a window shorter than the schedule', { window: '10m', schedule: '15m' }, 'monitoring.window', 'must be at least the schedule interval (15m) (got "10m")'],
    ['an alert action without a webhook', { on_drift: 'alert' }, 'monitoring.alert', 'required when on_drift is "alert"'],
    ['an unknown action', { on_drift: 'rollback' }, 'monitoring.on_drift', 'expected one of "retrain", "alert", "none", got "rollback"'],
    ['a window under 10 s', { window: '5s' }, 'monitoring.window', 'must be at least 10s'],
    ['a window over 30 days', { window: '31d' }, 'monitoring.window', 'must be at most 30d'],
    ['an unparsable window', { window: 'hourly' }, 'monitoring.window', 'not a duration'],
    ['a window in bare seconds', { window: 3600 }, 'monitoring.window', 'expected string, got 3600'],
    ['a schedule under 10 s', { schedule: '1s' }, 'monitoring.schedule', 'must be at least 10s'],
    ['a fractional min_samples', { min_samples: 200.5 }, 'monitoring.min_samples', 'expected int'],
    ['a min_samples under 10', { min_samples: 5 }, 'monitoring.min_samples', 'expected number to be >=10'],
    ['a zero PSI threshold', { psi_threshold: 0 }, 'monitoring.psi_threshold', 'expected number to be >0'],
    ['a p-value of 1', { p_value: 1 }, 'monitoring.p_value', 'expected number to be <1'],
    ['a p-value of 0', { p_value: 0 }, 'monitoring.p_value', 'expected number to be >0'],
    ['a webhook that is not http(s)', { on_drift: 'alert', alert: { url: 'ftp://hooks.example.com' } }, 'monitoring.alert.url', 'must be an http(s) URL'],
    ['a webhook that is not a URL', { on_drift: 'alert', alert: { url: 'hooks' } }, 'monitoring.alert.url', 'must be an http(s) URL'],
    ['a webhook without url', { on_drift: 'alert', alert: {} }, 'monitoring.alert.url', 'required'],
    [
      'a secret given inline',
      { on_drift: 'alert', alert: { ...alert, secret_env: 's3cr3t-value' } },
      'monitoring.alert.secret_env',
      'must be an environment variable name',
    ],
    ['an unknown webhook field', { on_drift: 'alert', alert: { ...alert, secret: 'x' } }, 'monitoring.alert', 'unknown field "secret"'],
    ['an unknown field', { threshold: 0.2 }, 'monitoring', 'unknown field "threshold"'],
  ])('rejects %s', (_label, input, path, message) => {
    expect(problemsOf(() => parseMonitoring(input))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });
});
