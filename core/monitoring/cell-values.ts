/** One value of a feature as it arrives: a CSV cell (string), a logged JSON value, or nothing. */
export type CellValue = number | string | null | undefined;

/** The bucket holding every category outside a profile's most frequent ones. */
export const OTHER_CATEGORY = '__other__';

/** Cells read as missing, compared trimmed and lower-cased: pandas' usual NA spellings, and "?" as UCI datasets write it. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '<na>', '#n/a', '?']);

/** A plain decimal number; `Number()` alone would also take "0x1f", "Infinity" and "  ". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function isMissing(value: CellValue): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return Number.isNaN(value);
  return MISSING_TOKENS.has(value.trim().toLowerCase());
}

/** The finite number a value holds, or undefined when it is missing or not a number. */
export function numericValue(value: CellValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (isMissing(value)) return undefined;
  const text = (value as string).trim();
  if (!DECIMAL.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * The category a value counts as, or undefined when missing. Numbers are written the way
 * JavaScript prints them, so a CSV's "1.0" and a logged 1 are the same category.
 */
export function categoryKey(value: CellValue): string | undefined {
  if (isMissing(value)) return undefined;
  const number = numericValue(value);
  return number === undefined ? (value as string).trim() : String(number);
}

/**
 * A CSV cell as a profile reads it, in one step: the number it holds, else its category, and
 * undefined when missing; numericValue then categoryKey, faster on the usual cell that starts
 * with a digit. No missing-value spelling starts with one, and for such a cell `Number()`
 * accepts exactly what DECIMAL does but the 0x, 0b and 0o prefixes (test/unit/monitoring/cell-values.test.ts).
 */
export function cellValue(text: string): number | string | undefined {
  const first = text.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    const trimmed = text.trim();
    const number = Number(trimmed);
    if (Number.isNaN(number) || (first === 48 && RADIX_PREFIX.test(trimmed))) return trimmed;
    return Number.isFinite(number) ? number : trimmed;
  }
  const number = numericValue(text);
  return number === undefined ? categoryKey(text) : number;
}

const RADIX_PREFIX = /^0[xXbBoO]/;
