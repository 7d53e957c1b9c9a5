import { describe, expect, it } from 'vitest';
import { isNonRetriedType, NON_RETRIED_FAILURE_TYPES, nonRetriedTypes, PLATFORM_RETRY_ALLOWANCE } from '../../../core/pipeline/failure-class.js';

/*
 * core/pipeline/failure-class.ts is the one source of retry rules. The workflows' retry
 * policies are derived from it and travel in their recorded commands, so these values are
 * pinned: a change here is a change to what existing histories replay against.
 */
describe('the retry rules workflows derive from the failure-class table', () => {
  it('list the non-retried failure types in the order the pipeline proxies send them', () => {
    expect(NON_RETRIED_FAILURE_TYPES).toEqual([
      'StageInputError',
      'NotFoundError',
      'ValidationGateRejected',
      'EnvironmentUnavailableError',
      'SpecValidationError',
      'MissingDataError',
      'ArtifactIntegrityError',
      'EnvironmentBuildError',
    ]);
  });

  it('let a stage take three attempts beyond its limit for platform failures', () => {
    expect(PLATFORM_RETRY_ALLOWANCE).toBe(3);
  });

  it.each([
    [['NotFoundError', 'EnvironmentUnavailableError']],
    [['EnvironmentBuildError', 'EnvironmentUnavailableError']],
    [['SpecValidationError', 'NotFoundError']],
  ])('narrow to %j, in the order given', (types) => {
    expect(nonRetriedTypes(...types)).toEqual(types);
  });

  it('refuse to narrow to a type the table retries', () => {
    expect(() => nonRetriedTypes('NotFoundError', 'WorkerLost')).toThrow(/WorkerLost/);
  });
});

describe('isNonRetriedType', () => {
  it.each([
    'SpecValidationError',
    'NotFoundError',
    'EnvironmentUnavailableError',
    'ValidationGateRejected',
    'EnvironmentBuildError',
    'StageInputError',
    'MissingDataError',
    'ArtifactIntegrityError',
  ])('ends retries on %s', (type) => expect(isNonRetriedType(type)).toBe(true));

  it.each(['WorkerLost', 'WorkerShutdown', 'StageProcessFailed', 'StageTimeout', 'BackendUnavailableError', 'ConflictError', 'Error'])('retries %s', (type) => {
    expect(isNonRetriedType(type)).toBe(false);
  });
});
