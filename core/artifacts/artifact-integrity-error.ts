/**
 * An object whose bytes cannot be trusted: they do not match the sha256 recorded when it was
 * stored, or nothing was recorded. Raised by a download at the end of its stream, so a reader
 * that consumed the bytes still learns they were wrong before it sees the end.
 */
export class ArtifactIntegrityError extends Error {
  override readonly name = 'ArtifactIntegrityError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`artifact ${JSON.stringify(key)} ${message}`);
  }
}
