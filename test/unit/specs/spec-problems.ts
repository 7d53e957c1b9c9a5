import { expect } from 'vitest';
import { SpecValidationError, type FieldProblem } from '../../../core/errors.js';

/** The field problems `fn` throws as a SpecValidationError; fails the test if it throws nothing or something else. */
export function problemsOf(fn: () => unknown): FieldProblem[] {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SpecValidationError);
  return (thrown as SpecValidationError).problems;
}
