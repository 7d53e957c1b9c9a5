/**
 * An MLflow tracking server refused a request or could not be reached. `resource` names what
 * was asked for (`experiment "iris"`, `run 3f2…`); `errorCode` is MLflow's own
 * (`RESOURCE_DOES_NOT_EXIST`, `RESOURCE_ALREADY_EXISTS`, …), undefined when nothing answered.
 */
export class MlflowRequestError extends Error {
  override readonly name = 'MlflowRequestError';
  constructor(
    readonly resource: string,
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`mlflow: ${resource}: ${message}`, options);
  }

  /** MLflow answered that the resource does not exist. */
  get notFound(): boolean {
    return this.errorCode === 'RESOURCE_DOES_NOT_EXIST' || this.status === 404;
  }

  /** MLflow answered that the resource exists already (a lost race to create it). */
  get alreadyExists(): boolean {
    return this.errorCode === 'RESOURCE_ALREADY_EXISTS';
  }
}
