import { describe, expect, it } from 'vitest';
import { checkGate } from '../../../core/pipeline/gate-check.js';
import { ValidationGate } from '../../../core/specs/validation-gate.js';

const gate = (...thresholds: { metric: string; direction?: 'min' | 'max'; threshold: number }[]) => ValidationGate.parse({ thresholds });

describe('checkGate thresholds', () => {
  it.each([
    ['min', 'above the threshold', 0.95, 0.9, true, 'accuracy 0.95 ≥ 0.9'],
    ['min', 'equal to the threshold', 0.9, 0.9, true, 'accuracy 0.9 ≥ 0.9'],
    ['min', 'below the threshold', 0.85, 0.9, false, 'accuracy 0.85 < 0.9'],
    ['max', 'below the threshold', 0.2, 0.3, true, 'accuracy 0.2 ≤ 0.3'],
    ['max', 'equal to the threshold', 0.3, 0.3, true, 'accuracy 0.3 ≤ 0.3'],
    ['max', 'above the threshold', 0.35, 0.3, false, 'accuracy 0.35 > 0.3'],
  ] as const)('direction %s with a value %s: passed = %s', (direction, _label, value, threshold, passed, detail) => {
    const verdict = checkGate(gate({ metric: 'accuracy', direction, threshold }), { accuracy: value });
    expect(verdict).toEqual({ passed, checks: [{ metric: 'accuracy', passed, detail }] });
  });

  it('defaults to direction min', () => {
    expect(checkGate(gate({ metric: 'accuracy', threshold: 0.9 }), { accuracy: 0.5 }).passed).toBe(false);
  });

  it('rounds the shown value to four significant digits', () => {
    expect(checkGate(gate({ metric: 'auc', threshold: 0.9 }), { auc: 0.987654321 }).checks[0]?.detail).toBe('auc 0.9877 ≥ 0.9');
  });
});

describe('checkGate over several thresholds', () => {
  const twoThresholds = gate({ metric: 'accuracy', threshold: 0.9 }, { metric: 'log_loss', direction: 'max', threshold: 0.3 });

  it('passes only when every threshold holds', () => {
    expect(checkGate(twoThresholds, { accuracy: 0.95, log_loss: 0.2 }).passed).toBe(true);
    expect(checkGate(twoThresholds, { accuracy: 0.95, log_loss: 0.4 }).passed).toBe(false);
  });

  it('reports one check per threshold, in order, even after a failure', () => {
    const verdict = checkGate(twoThresholds, { accuracy: 0.5, log_loss: 0.2 });
    expect(verdict.checks.map((c) => [c.metric, c.passed])).toEqual([
      ['accuracy', false],
      ['log_loss', true],
    ]);
  });

  it('fails a metric that evaluate never logged, saying so', () => {
    const verdict = checkGate(twoThresholds, { accuracy: 0.95 });
    expect(verdict.passed).toBe(false);
    expect(verdict.checks[1]).toEqual({ metric: 'log_loss', passed: false, detail: 'log_loss was not logged by evaluate' });
  });

  it('ignores logged metrics the gate does not mention', () => {
    expect(checkGate(gate({ metric: 'accuracy', threshold: 0.9 }), { accuracy: 0.95, f1: 0.1 }).checks).toHaveLength(1);
  });
});

describe('checkGate with an empty gate', () => {
  it('passes with no checks, whatever was logged', () => {
    expect(checkGate(gate(), {})).toEqual({ passed: true, checks: [] });
    expect(checkGate(gate(), { accuracy: 0 })).toEqual({ passed: true, checks: [] });
  });
});
