import { describe, expect, it } from 'vitest';
import { renderDatasetProfile } from '../../../api/cli/render-dataset-profile.js';
import { computeDatasetProfile } from '../../../core/datasets/dataset-profile.js';

const CSV = [
  'size,color,a_feature_name_longer_than_the_name_column,label',
  ...Array.from({ length: 12 }, (_, i) => `${i + 1},${['red', 'red', 'red', 'blue', 'blue', 'green', 'pink', ''][i % 8]},${i % 2},${i < 9 ? 'yes' : 'no'}`),
].join('\n');
const lines = renderDatasetProfile(computeDatasetProfile({ dataset: 'shop', version: '0123456789abcdef', csv: CSV, targetColumn: 'label', seed: 0 }));

describe('renderDatasetProfile', () => {
  it('names the dataset, the version and the rows profiled, then a header', () => {
    expect(lines[0]).toBe('dataset shop  version 0123456789abcdef  12 rows (train split)');
    expect(lines[1]).toMatch(/^FEATURE +KIND +COUNT +MISSING {2}MEAN \/ STD OR TOP CATEGORIES$/);
  });

  it('gives a numeric column its mean and std', () => {
    expect(lines[2]).toMatch(/^size +numeric +12 +0 {2}mean 6\.5 {2}std 3\.606$/);
  });

  it('gives a categorical column its three commonest values and counts the rest', () => {
    expect(lines[3]).toMatch(/^color +categorical +11 +1 {2}red 54\.5%, blue 27\.3%, green 9\.1%, \+1 more$/);
  });

  it('shortens a long column name and shows a numeric code as categories', () => {
    expect(lines[4]).toMatch(/^a_feature_name_longer_than_… categorical +12 +0 {2}0 50\.0%, 1 50\.0%$/);
  });

  it('ends with the target, marked as such', () => {
    expect(lines.at(-1)).toMatch(/^label \(target\) +categorical +12 +0 {2}yes 75\.0%, no 25\.0%$/);
  });
});
