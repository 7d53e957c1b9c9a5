/**
 * Datasets whose stored versions are pinned (dataset-version-pins.test.ts): made the same way
 * every time, so the pinned ids, splits and profiles stay comparable across implementations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The breast-cancer example's CSV as it was when the pins were taken (a copy, so editing the example cannot move them). */
export function breastCancerCsv(): Buffer {
  return readFileSync(join(here, '../../fixtures/datasets/breast_cancer.csv'));
}

/** A deterministic stream of integers in [0, 2^31): a plain LCG, so the fixtures never depend on Math.random. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 1;
  };
}

/**
 * 240 rows that exercise what CSV readers disagree on: a byte-order mark, CRLF, LF and lone CR
 * line endings (only LF when `lfOnly`, which sends it to the other reader), blank lines, quoted commas, doubled quotes and line breaks inside quotes,
 * missing-value spellings, padded numbers, "1" and "1.0" as one category, a `__proto__` label,
 * a class of one row, more categories than a profile keeps, and blank lines at the end.
 */
export function quirkyCsv(lfOnly = false): Buffer {
  const next = lcg(14);
  const names = ['"Smith, J"', '"O""Brien"', 'plain', '"multi\nline"', '', ' spaced ', '"quoted ""and"", comma"'];
  const scores = ['NA', '', '?', ' 4.5 ', '1e3', '-0', '+.5', 'nan', 'N/A'];
  const grades = ['A', 'B', 'B', 'C', '"A, plus"', '__proto__', 'A'];
  const endings = lfOnly ? ['\n'] : ['\r\n', '\n', '\r\n', '\n', '\r'];
  let text = `\uFEFFid,name,score,grade,note,level${lfOnly ? '\n' : '\r\n'}`;
  for (let i = 0; i < 240; i++) {
    const r = next();
    const score = r % 5 === 0 ? (scores[r % scores.length] as string) : ((r % 10_000) / 37).toFixed(3);
    const grade = i === 17 ? 'Z' : (grades[(r >>> 4) % grades.length] as string);
    const level = (r >>> 8) % 7 === 0 ? `${((r >>> 8) % 5) + 1}.0` : String(((r >>> 8) % 5) + 1);
    const note = i % 41 === 0 ? '__other__' : `n${(r >>> 12) % 37}`;
    text += `${i},${names[i % names.length]},${score},${grade},${note},${level}${endings[i % endings.length]}`;
    if (i % 50 === 49) text += '\n';
  }
  return Buffer.from(`${text}\n\n`, 'utf8');
}

/**
 * 30,000 rows, some 1.3 MB: numeric columns with and without missing cells, an integer rating
 * (categorical: few levels), a string column of 60 categories, a three-class label with a
 * rare class, and no trailing newline.
 */
export function generatedCsv(): Buffer {
  const next = lcg(2026);
  const lines = ['x1,x2,rating,city,amount,label'];
  for (let i = 0; i < 30_000; i++) {
    const a = next();
    const b = next();
    const x1 = ((a % 200_000) / 1000 - 100).toFixed(3);
    const x2 = b % 23 === 0 ? '' : ((b % 5_000_000) / 7).toFixed(1);
    const rating = String((a >>> 3) % 6);
    const city = `city${(b >>> 5) % 60}`;
    const amount = ((a >>> 7) % 1000).toString();
    const label = (b >>> 9) % 100 === 0 ? 'rare' : (a >>> 11) % 3 === 0 ? 'yes' : 'no';
    lines.push(`${x1},${x2},${rating},${city},${amount},${label}`);
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** A one-column file (the target alone): rows of `""` are empty labels, blank lines are skipped. */
export function oneColumnCsv(): Buffer {
  const labels = ['a', 'b', '""', '', 'a', '"x,y"', 'b', '""', 'a', 'b', '"multi\nline"', 'a'];
  return Buffer.from(`label\n${Array.from({ length: 60 }, (_, i) => labels[i % labels.length]).join('\n')}\n`, 'utf8');
}
