import { describe, expect, it } from 'vitest';
import { parseParamFlags } from '../../../api/cli/parse-params.js';
import { SpecValidationError } from '../../../core/errors.js';

describe('parseParamFlags values', () => {
  it.each([
    ['a decimal number', 'learning_rate=0.1', { learning_rate: 0.1 }],
    ['an integer', 'epochs=3', { epochs: 3 }],
    ['a number in exponent form', 'learning_rate=1e-3', { learning_rate: 0.001 }],
    ['true', 'extras.fit_intercept=true', { extras: { fit_intercept: true } }],
    ['false', 'extras.fit_intercept=false', { extras: { fit_intercept: false } }],
    ['a bare word as a string', 'extras.penalty=l2', { extras: { penalty: 'l2' } }],
    // Kept as text so the API names the field and the bad value.
    ['a non-number for a number field as the string', 'learning_rate=abc', { learning_rate: 'abc' }],
    ['an empty value as the empty string', 'extras.note=', { extras: { note: '' } }],
    ['a JSON-quoted string unquoted', 'extras.penalty="l1"', { extras: { penalty: 'l1' } }],
    ['JSON objects and arrays as text, not structure', 'extras.layers=[64,32]', { extras: { layers: '[64,32]' } }],
    ['null as JSON null, left for the API to reject by name', 'extras.x=null', { extras: { x: null } }],
    ['an = inside the value', 'extras.expr=a=b', { extras: { expr: 'a=b' } }],
  ])('reads %s', (_label, flag, expected) => {
    expect(parseParamFlags([flag])).toEqual(expected);
  });

  it('trims spaces around the key', () => {
    expect(parseParamFlags([' epochs =3'])).toEqual({ epochs: 3 });
  });
});

describe('parseParamFlags keys', () => {
  it('collects several flags, shared params and extras together', () => {
    expect(parseParamFlags(['learning_rate=0.05', 'extras.C=0.5', 'seed=7', 'extras.penalty=l1'])).toEqual({
      learning_rate: 0.05,
      seed: 7,
      extras: { C: 0.5, penalty: 'l1' },
    });
  });

  it('lets a later flag override an earlier one', () => {
    expect(parseParamFlags(['epochs=3', 'epochs=5'])).toEqual({ epochs: 5 });
  });

  it('returns an empty object for no flags', () => {
    expect(parseParamFlags([])).toEqual({});
  });
});

describe('parseParamFlags errors', () => {
  it.each([
    ['no =', 'epochs'],
    ['an empty key', '=3'],
  ])('rejects a flag with %s, naming params and quoting the flag', (_label, flag) => {
    let error: unknown;
    try {
      parseParamFlags(['seed=1', flag]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems).toEqual([{ path: 'params', message: `expected key=value, got ${JSON.stringify(flag)}` }]);
  });
});
