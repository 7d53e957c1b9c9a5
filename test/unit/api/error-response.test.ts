import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../../api/http/error-response.js';
import { BackendUnavailableError, ConflictError, NotFoundError, SpecValidationError } from '../../../core/errors.js';

describe('errorResponse status codes', () => {
  it.each<[string, unknown, number, string, string]>([
    ['NotFoundError', new NotFoundError('run', 'iris-1'), 404, 'NotFoundError', 'run "iris-1" not found'],
    ['ConflictError', new ConflictError('run', 'run iris-1 already succeeded'), 409, 'ConflictError', 'run iris-1 already succeeded'],
    ['BackendUnavailableError', new BackendUnavailableError('temporal', 'connection refused'), 503, 'BackendUnavailableError', 'temporal: connection refused'],
    ['any other Error', new Error('boom'), 500, 'InternalError', 'boom'],
    ['a thrown string', 'oops', 500, 'InternalError', 'oops'],
  ])('maps %s to %d with its type and message', (_label, error, status, type, message) => {
    expect(errorResponse(error)).toEqual({ status, body: { error: { type, message } } });
  });
});

describe('errorResponse for invalid input', () => {
  it('answers 400 and keeps every field problem', () => {
    const problems = [
      { path: 'params.learning_rate', message: 'expected number, got "abc"' },
      { path: 'params.extras.gamma', message: 'not declared by project "iris"' },
    ];
    expect(errorResponse(new SpecValidationError(problems))).toEqual({
      status: 400,
      body: {
        error: {
          type: 'SpecValidationError',
          message: 'params.learning_rate: expected number, got "abc"; params.extras.gamma: not declared by project "iris"',
          fields: problems,
        },
      },
    });
  });

  it('adds fields only for invalid input', () => {
    expect(errorResponse(new NotFoundError('model', 'x')).body.error).not.toHaveProperty('fields');
  });
});
