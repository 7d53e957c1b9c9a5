/** What ColumnsStats knows of one column, read once the rows are in. */
export interface ColumnStats {
  present: number;
  missing: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n − 1) of the numbers. */
  std: number;
  /** Numeric as profileColumns decides it: every present cell a number, more than `maxLevels` distinct ones. */
  isNumeric(maxLevels: number): boolean;
  /** Each category's count (numbers written as JavaScript prints them), or undefined past CATEGORY_LIMIT. */
  categoryCounts(): Map<string, number> | undefined;
}

/**
 * What a profile of each column needs that can be counted row by row in bounded memory: present
 * and missing cells, extremes, mean and variance (Welford), and the count of each value while a
 * column has at most CATEGORY_LIMIT distinct ones (which also settles whether it is numeric).
 * Every column's figures sit side by side in typed arrays, one per figure: a row's cells update
 * neighbouring numbers, not an object per column (some 1.6 times faster on a wide numeric file).
 */
export class ColumnsStats {
  /** Distinct values counted per column; past it counts stop and only a lower bound is known. */
  static readonly CATEGORY_LIMIT = 4096;

  private readonly present: Float64Array;
  private readonly missing: Float64Array;
  private readonly numbers: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly mean: Float64Array;
  private readonly squares: Float64Array;
  private readonly numberCounts: (Map<number, number> | undefined)[];
  private readonly textCounts: (Map<string, number> | undefined)[];

  constructor(columns: number) {
    this.present = new Float64Array(columns);
    this.missing = new Float64Array(columns);
    this.numbers = new Float64Array(columns);
    this.min = new Float64Array(columns).fill(Number.POSITIVE_INFINITY);
    this.max = new Float64Array(columns).fill(Number.NEGATIVE_INFINITY);
    this.mean = new Float64Array(columns);
    this.squares = new Float64Array(columns);
    this.numberCounts = Array.from({ length: columns }, () => new Map());
    this.textCounts = Array.from({ length: columns }, () => new Map());
  }

  /** Adds one cell of `column` as cellValue reads it: a number, a category, or undefined when missing. */
  add(column: number, value: number | string | undefined): void {
    if (value === undefined) this.missing[column]! += 1;
    else if (typeof value === 'number') this.addNumber(column, value);
    else {
      this.present[column]! += 1;
      const counts = this.textCounts[column];
      if (!counts) return;
      const count = counts.get(value);
      // A new key is kept: copied, so it does not hold on to the whole chunk of text it was cut from.
      counts.set(count === undefined ? retained(value) : value, (count ?? 0) + 1);
      if (counts.size > ColumnsStats.CATEGORY_LIMIT) this.textCounts[column] = undefined;
    }
  }

  /** add() for a cell read as a number. */
  addNumber(column: number, value: number): void {
    this.present[column]! += 1;
    const numbers = (this.numbers[column]! += 1);
    if (value < this.min[column]!) this.min[column] = value;
    if (value > this.max[column]!) this.max[column] = value;
    const delta = value - this.mean[column]!;
    const mean = (this.mean[column]! += delta / numbers);
    this.squares[column]! += delta * (value - mean);
    const counts = this.numberCounts[column];
    if (counts) {
      counts.set(value, (counts.get(value) ?? 0) + 1);
      if (counts.size > ColumnsStats.CATEGORY_LIMIT) this.numberCounts[column] = undefined;
    }
  }

  /** One column's figures. */
  column(column: number): ColumnStats {
    const numbers = this.numbers[column]!;
    const present = this.present[column]!;
    const numberCounts = this.numberCounts[column];
    const textCounts = this.textCounts[column];
    return {
      present,
      missing: this.missing[column]!,
      min: this.min[column]!,
      max: this.max[column]!,
      mean: this.mean[column]!,
      std: numbers > 1 ? Math.sqrt(this.squares[column]! / (numbers - 1)) : 0,
      isNumeric: (maxLevels) => numbers === present && (numberCounts === undefined || numberCounts.size > maxLevels),
      categoryCounts: () => {
        if (!numberCounts || !textCounts) return undefined;
        const counts = new Map(textCounts);
        for (const [number, count] of numberCounts) counts.set(String(number), (counts.get(String(number)) ?? 0) + count);
        return counts;
      },
    };
  }
}

/**
 * A copy of `text` that shares no memory with it. V8 cuts long substrings as views of their
 * parent, so a kept field would otherwise hold the whole megabyte of CSV it was read from.
 */
export function retained(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/**
 * One column of a profile's row sample. Numbers sit in a typed array, so keeping and replacing
 * rows allocates nothing for them (a sampled row is replaced often on a long file, and each
 * replaced object would be garbage for the collector); categories sit beside them.
 */
export class SampleColumn {
  private numbers = new Float64Array(0);
  private texts: (string | undefined)[] | undefined;

  constructor(private readonly capacity: number) {}

  /** Keeps `value` (as cellValue reads it) in `slot`, below the capacity. */
  set(slot: number, value: number | string | undefined): void {
    if (slot >= this.numbers.length) this.grow(slot + 1);
    // NaN marks "not a number": cellValue never gives NaN as a number.
    this.numbers[slot] = typeof value === 'number' ? value : Number.NaN;
    if (typeof value === 'string') (this.texts ??= [])[slot] = retained(value);
    else if (this.texts) this.texts[slot] = undefined;
  }

  /** The first `count` kept cells: numbers, categories, null when missing. */
  cells(count: number): (number | string | null)[] {
    return Array.from({ length: count }, (_, slot) => {
      const number = this.numbers[slot] as number;
      return Number.isNaN(number) ? (this.texts?.[slot] ?? null) : number;
    });
  }

  /** The numbers among the first `count` kept cells. */
  numbersIn(count: number): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < count; slot++) if (!Number.isNaN(this.numbers[slot] as number)) out.push(this.numbers[slot] as number);
    return out;
  }

  private grow(needed: number): void {
    const grown = new Float64Array(Math.min(this.capacity, Math.max(needed, 1024, this.numbers.length * 2)));
    grown.set(this.numbers);
    this.numbers = grown;
  }
}
