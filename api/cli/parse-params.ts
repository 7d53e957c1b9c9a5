import { SpecValidationError } from '../../core/errors.js';

/**
 * Turns `--param key=value` flags into a params object. Values are read as JSON when they
 * parse (`0.1`, `true`), else kept as strings, so the API's schema reports a mistyped value
 * by name. `extras.<name>=v` sets a model-specific extra.
 */
export function parseParamFlags(flags: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new SpecValidationError([{ path: 'params', message: `expected key=value, got ${JSON.stringify(flag)}` }]);
    const key = flag.slice(0, eq).trim();
    const value = readValue(flag.slice(eq + 1));
    if (key.startsWith('extras.')) {
      if (params.extras !== undefined && (typeof params.extras !== 'object' || params.extras === null)) {
        throw new SpecValidationError([{ path: 'params.extras', message: 'set either extras=<value> or extras.<name>=<value>, not both' }]);
      }
      const extras = (params.extras ??= {}) as Record<string, unknown>;
      extras[key.slice('extras.'.length)] = value;
    } else params[key] = value;
  }
  return params;
}

function readValue(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? text : value;
  } catch {
    return text;
  }
}
