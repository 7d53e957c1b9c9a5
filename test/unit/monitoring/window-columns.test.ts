import { describe, expect, it } from 'vitest';
import { detectDrift } from '../../../core/monitoring/detect-drift.js';
import { profileColumns } from '../../../core/monitoring/profile-columns.js';
import { cellOf, windowColumns } from '../../../core/monitoring/window-columns.js';
import { normalCells } from './synthetic-columns.js';

describe('windowColumns', () => {
  it('reads record instances by name', () => {
    expect(
      windowColumns(
        [
          { radius: 14.2, texture: 19 },
          { texture: 21, radius: 12.5 },
        ],
        ['radius', 'texture'],
      ),
    ).toEqual({
      radius: [14.2, 12.5],
      texture: [19, 21],
    });
  });

  it('reads array instances in the order of the names', () => {
    expect(windowColumns([[14.2, 19], [12.5]], ['radius', 'texture'])).toEqual({ radius: [14.2, 12.5], texture: [19, null] });
  });

  it('gives every name a full column, missing where an instance lacks it', () => {
    expect(windowColumns([{ radius: 1 }, 'not an instance', null], ['radius', 'texture'])).toEqual({ radius: [1, null, null], texture: [null, null, null] });
  });

  it('keeps keys outside the names as their own columns, for the report to list', () => {
    expect(windowColumns([{ radius: 1, smoothness: 0.1 }], ['radius'])).toEqual({ radius: [1], smoothness: [0.1] });
  });

  it.each([
    [3.5, 3.5],
    ['M', 'M'],
    [true, 'true'],
    [null, null],
    [undefined, null],
    [{ nested: 1 }, null],
    [[1, 2], null],
  ])('reads %j as the cell %j', (value, cell) => {
    expect(cellOf(value)).toBe(cell);
  });

  it('feeds detectDrift: logged records against a profile, unknown keys listed', () => {
    const reference = profileColumns({ radius: normalCells(1000, 1, 14, 3.5) }, { dataset: 'd', version: 'v' });
    const instances = normalCells(300, 2, 14, 3.5).map((radius) => ({ radius: Number(radius), colour: 'red' }));
    const report = detectDrift(reference, { features: windowColumns(instances, ['radius']) }, { min_samples: 200, psi_threshold: 0.2, p_value: 0.01 });
    expect(report).toMatchObject({ drifted: false, unknown_features: ['colour'], features: [{ feature: 'radius', samples: 300, status: 'stable' }] });
  });
});
