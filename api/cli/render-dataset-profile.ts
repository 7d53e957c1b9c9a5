import type { DatasetProfile, FeatureProfile } from '../../core/datasets/dataset-profile.js';

const NAME_WIDTH = 28;
/** Categories shown per column; the rest are counted. */
const SHOWN_CATEGORIES = 3;

const short = (value: number) => String(Number(value.toPrecision(4)));
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const nameCell = (name: string) => (name.length > NAME_WIDTH ? `${name.slice(0, NAME_WIDTH - 1)}…` : name.padEnd(NAME_WIDTH));

/** `kiln dataset profile`: one line per column, the target last. */
export function renderDatasetProfile(profile: DatasetProfile): string[] {
  const columns = [...profile.features, ...(profile.target ? [profile.target] : [])];
  return [
    `dataset ${profile.dataset}  version ${profile.version}  ${profile.rows} rows (train split)`,
    `${'FEATURE'.padEnd(NAME_WIDTH)} ${'KIND'.padEnd(11)} ${'COUNT'.padStart(8)} ${'MISSING'.padStart(8)}  MEAN / STD OR TOP CATEGORIES`,
    ...columns.map((column) => {
      const name = column === profile.target ? nameCell(`${column.name} (target)`) : nameCell(column.name);
      return `${name} ${column.kind.padEnd(11)} ${String(column.count).padStart(8)} ${String(column.missing).padStart(8)}  ${distribution(column)}`.trimEnd();
    }),
  ];
}

/** Mean and std for numbers, the commonest values for categories. */
function distribution(column: FeatureProfile): string {
  return column.kind === 'numeric' ? `mean ${short(column.mean)}  std ${short(column.std)}` : topCategories(column.frequencies);
}

function topCategories(categories: Record<string, number>): string {
  const ranked = Object.entries(categories).sort(([, a], [, b]) => b - a);
  const shown = ranked.slice(0, SHOWN_CATEGORIES).map(([value, share]) => `${value} ${percent(share)}`);
  const more = ranked.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}
