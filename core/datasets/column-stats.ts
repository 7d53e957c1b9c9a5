/**
 * What a profile of one column needs that can be counted row by row in bounded memory: present
 * and missing cells, extremes, mean and variance (Welford), and the count of each value while a
 * column has at most CATEGORY_LIMIT distinct ones (which also settles whether it is numeric).
 */
export class ColumnStats {
  /** Distinct values counted per column; past it counts stop and only a lower bound is known. */
  static readonly CATEGORY_LIMIT = 4096;

  present = 0;
  missing = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  mean = 0;
  private numbers = 0;
  private squares = 0;
  private numberCounts: Map<number, number> | undefined = new Map();
  private textCounts: Map<string, number> | undefined = new Map();

  /** Adds one cell as cellValue reads it: a number, a category, or undefined when missing. */
  add(value: number | string | undefined): void {
    if (value === undefined) {
      this.missing++;
      return;
    }
    if (typeof value === 'number') this.addNumber(value);
    else {
      this.present++;
      if (this.textCounts) {
        const count = this.textCounts.get(value);
        // A new key is kept: copied, so it does not hold on to the whole chunk of text it was cut from.
        this.textCounts.set(count === undefined ? retained(value) : value, (count ?? 0) + 1);
        if (this.textCounts.size > ColumnStats.CATEGORY_LIMIT) this.textCounts = undefined;
      }
    }
  }

  /** add() for a cell read as a number. */
  addNumber(value: number): void {
    this.present++;
    this.numbers++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const delta = value - this.mean;
    this.mean += delta / this.numbers;
    this.squares += delta * (value - this.mean);
    if (this.numberCounts) {
      this.numberCounts.set(value, (this.numberCounts.get(value) ?? 0) + 1);
      if (this.numberCounts.size > ColumnStats.CATEGORY_LIMIT) this.numberCounts = undefined;
    }
  }

  /** Sample standard deviation (n − 1) of the numbers. */
  get std(): number {
    return this.numbers > 1 ? Math.sqrt(this.squares / (this.numbers - 1)) : 0;
  }

  /** Numeric as profileColumns decides it: every present cell a number, more than `maxLevels` distinct ones. */
  isNumeric(maxLevels: number): boolean {
    return this.numbers === this.present && (this.numberCounts === undefined || this.numberCounts.size > maxLevels);
  }

  /** Each category's count (numbers written as JavaScript prints them), or undefined past CATEGORY_LIMIT. */
  categoryCounts(): Map<string, number> | undefined {
    if (!this.numberCounts || !this.textCounts) return undefined;
    const counts = new Map(this.textCounts);
    for (const [number, count] of this.numberCounts) counts.set(String(number), (counts.get(String(number)) ?? 0) + count);
    return counts;
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
