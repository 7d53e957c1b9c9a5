import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../core/specs/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).toBe('{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('gives equal strings for objects that differ only in key order', () => {
    expect(canonicalJson({ x: 1, y: { p: true, q: null } })).toBe(canonicalJson({ y: { q: null, p: true }, x: 1 }));
  });

  it('keeps array order, since order can be meaningful', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
  });

  it('drops undefined object values, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it.each([
    ['a string', 'hi', '"hi"'],
    ['a number', 1.5, '1.5'],
    ['null', null, 'null'],
    ['a boolean', false, 'false'],
  ])('writes %s as plain JSON', (_label, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('sorts by code unit, so upper case comes before lower case', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3 })).toBe('{"B":2,"a":3,"b":1}');
  });
});
