import type { ValidationGate } from '../specs/validation-gate.js';

export interface GateVerdict {
  passed: boolean;
  /** One entry per threshold: "accuracy 0.96 ≥ 0.90" or "roc_auc missing". */
  checks: { metric: string; passed: boolean; detail: string }[];
}

/** Applies the validation gate to the evaluate stage's final metrics. Pure: runs inside workflows. */
export function checkGate(gate: ValidationGate, metrics: Record<string, number>): GateVerdict {
  const checks = gate.thresholds.map(({ metric, direction, threshold }) => {
    const value = metrics[metric];
    if (value === undefined) return { metric, passed: false, detail: `${metric} was not logged by evaluate` };
    const passed = direction === 'min' ? value >= threshold : value <= threshold;
    const op = direction === 'min' ? (passed ? '≥' : '<') : passed ? '≤' : '>';
    return { metric, passed, detail: `${metric} ${round(value)} ${op} ${threshold}` };
  });
  return { passed: checks.every((c) => c.passed), checks };
}

function round(value: number): string {
  return Number(value.toPrecision(4)).toString();
}
