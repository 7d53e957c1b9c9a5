import type { FieldProblem } from '../../core/errors.js';

/** A request refused by the HTTP layer itself (size, media type, host, origin), before any route ran. */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  constructor(
    readonly status: number,
    /** Stable type name answered in `error.type`, e.g. `PayloadTooLarge`. */
    readonly type: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
