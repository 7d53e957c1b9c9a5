import type { CellValue } from './cell-values.js';

/**
 * Logged model inputs turned into the columns `detectDrift` compares. An instance is either a
 * record (feature name → value, as `POST /v1/models/{name}/predict` takes it) or an array read
 * in the order of `names` (the profile's features, which keep the dataset's column order).
 * Every name gets a column as long as `instances`; a value that is not a number or a string
 * counts as missing, and record keys outside `names` get columns of their own, so a changed
 * input schema shows in the report's `unknown_features`.
 */
export function windowColumns(instances: readonly unknown[], names: readonly string[]): Record<string, CellValue[]> {
  const empty = () => new Array<CellValue>(instances.length).fill(null);
  const columns = new Map<string, CellValue[]>(names.map((name) => [name, empty()]));
  instances.forEach((instance, row) => {
    const entries: [string, unknown][] = Array.isArray(instance)
      ? instance.slice(0, names.length).map((value, i) => [names[i] as string, value])
      : instance !== null && typeof instance === 'object'
        ? Object.entries(instance)
        : [];
    for (const [name, value] of entries) {
      const column = columns.get(name) ?? empty();
      column[row] = cellOf(value);
      columns.set(name, column);
    }
  });
  // fromEntries keeps a feature named "__proto__" as a column.
  return Object.fromEntries(columns);
}

/** The value as a cell: numbers and strings as they are, booleans as words, anything else missing. */
export function cellOf(value: unknown): CellValue {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return null;
}
