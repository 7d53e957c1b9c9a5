/**
 * Building an environment failed after an interpreter was found: usually a dependency that
 * does not exist or does not resolve, sometimes a network failure reaching the index. Kept
 * apart from EnvironmentUnavailableError (no interpreter) so callers can tell the two apart.
 */
export class EnvironmentBuildError extends Error {
  override readonly name = 'EnvironmentBuildError';
  constructor(
    /** The requirements the build tried to install. */
    readonly dependencies: readonly string[],
    /** The last lines of the failing command's output. */
    readonly outputTail: readonly string[],
    summary: string,
    options?: { cause?: unknown },
  ) {
    super(outputTail.length ? `${summary}:\n${outputTail.join('\n')}` : summary, options);
  }
}
