import { HttpRequestError } from './http-request-error.js';
import {
  BackendUnavailableError,
  ConflictError,
  EnvironmentUnavailableError,
  ForbiddenError,
  MissingDataError,
  NotFoundError,
  SpecValidationError,
  UnauthenticatedError,
} from '../../core/errors.js';

export interface ErrorBody {
  error: { type: string; message: string; fields?: { path: string; message: string }[] };
}

/** Maps Kiln's named errors to HTTP status codes; anything else is a 500. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof SpecValidationError) {
    return { status: 400, body: { error: { type: error.name, message: error.message, fields: error.problems } } };
  }
  if (error instanceof UnauthenticatedError) return { status: 401, body: { error: { type: error.name, message: error.message } } };
  if (error instanceof ForbiddenError) return { status: 403, body: { error: { type: error.name, message: error.message } } };
  if (error instanceof NotFoundError) return { status: 404, body: { error: { type: error.name, message: error.message } } };
  if (error instanceof ConflictError) return { status: 409, body: { error: { type: error.name, message: error.message } } };
  // The spec is valid but this installation cannot run it (e.g. no matching Python).
  if (error instanceof EnvironmentUnavailableError || error instanceof MissingDataError) {
    return { status: 422, body: { error: { type: error.name, message: error.message, fields: [{ path: error.field, message: error.message }] } } };
  }
  if (error instanceof BackendUnavailableError) return { status: 503, body: { error: { type: error.name, message: error.message } } };
  if (error instanceof HttpRequestError) {
    return { status: error.status, body: { error: { type: error.type, message: error.message, ...(error.fields.length ? { fields: error.fields } : {}) } } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error: { type: 'InternalError', message } } };
}
