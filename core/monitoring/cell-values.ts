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
