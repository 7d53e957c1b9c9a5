import { describe, expect, it } from 'vitest';
import { stageWarmImports } from '../../../core/pipeline/warm-imports.js';

describe('stageWarmImports', () => {
  it.each<[string, { warm_start?: boolean }, { warm_imports?: string[] }, string[] | undefined]>([
    ['on by default where the environment declares warm imports', {}, { warm_imports: ['numpy', 'sklearn'] }, ['numpy', 'sklearn']],
    ['on when the project says so', { warm_start: true }, { warm_imports: ['numpy'] }, ['numpy']],
    ['off when the project opts out', { warm_start: false }, { warm_imports: ['numpy'] }, undefined],
    ['off when the environment declares none', {}, {}, undefined],
    ['off for an empty list', { warm_start: true }, { warm_imports: [] }, undefined],
  ])('%s', (_label, project, environment, expected) => {
    expect(stageWarmImports(project, environment)).toEqual(expected);
  });
});
