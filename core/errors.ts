/**
 * Kiln's few named errors. Each carries the field or resource it concerns; the API maps them
 * to HTTP codes and activities turn the permanent ones into non-retryable Temporal failures.
 * Type names are stable: Temporal retry policies and clients match on them.
 */
export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `params.learning_rate`. */
  path: string;
  message: string;
}

/** Input that does not match its schema. Never retried; HTTP 400. */
export class SpecValidationError extends Error {
  override readonly name = 'SpecValidationError';
  constructor(
    readonly problems: FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '), options);
  }
}

/** A named resource (project, environment, dataset, run, model) that does not exist. HTTP 404. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} "${id}" not found`);
  }
}

/** A request that conflicts with existing state (e.g. a name already taken). HTTP 409. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super(message);
  }
}

/** No credentials, or credentials that prove nothing (unknown, expired, revoked, bad signature). HTTP 401. */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

/** The caller is known but no binding grants what the request needs. HTTP 403. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  constructor(
    readonly permission: string,
    readonly resource: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** An error about one field of a spec (dotted path) that the spec's schema could not catch. */
abstract class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The machine cannot satisfy a spec (no matching Python interpreter, missing file). Never retried. */
export class EnvironmentUnavailableError extends FieldError {
  override readonly name = 'EnvironmentUnavailableError';
}

/** Data a run needs is gone (a dataset file deleted since it was registered). Never retried; HTTP 422. */
export class MissingDataError extends FieldError {
  override readonly name = 'MissingDataError';
}

/** A backend (Temporal, database, artifact store) that cannot be reached or used. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${backend}: ${message}`, options);
  }
}
