import type { HyperparameterOverrides } from '../specs/hyperparameters.js';
import type { Assignment } from './trial-observation.js';

const EXTRAS_PREFIX = 'extras.';

/**
 * A trial's assignment as the parameter overrides of the run it starts: `extras.C` goes to
 * `extras.C`, the rest to their top-level field. The run request still parses the result, so
 * a value of the wrong type fails there with the field named.
 */
export function trialParams(assignment: Assignment): HyperparameterOverrides {
  const overrides: Record<string, unknown> = {};
  const extras: Record<string, string | number> = {};
  for (const [path, value] of Object.entries(assignment)) {
    if (path.startsWith(EXTRAS_PREFIX)) extras[path.slice(EXTRAS_PREFIX.length)] = value;
    else overrides[path] = value;
  }
  return { ...overrides, ...(Object.keys(extras).length ? { extras } : {}) } as HyperparameterOverrides;
}
