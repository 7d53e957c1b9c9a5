/*
 * Credentials in service URLs (`s3://ACCESS:SECRET@host/bucket`, `mysql://user:password@host/db`)
 * as people paste them: secrets often hold `/` (S3 secret keys are base64), which the URL
 * standard would read as the end of the host. Shared by the parsers and the redaction.
 */

/**
 * `scheme://credentials@rest`, where the credentials end at the last `@` before the host: the
 * host (and port) after that `@` hold no `/`, `?`, `#` or `@`, so the `@` that matters is the
 * last one before the first of those that follows the first `@`. So a secret is read whole when
 * it holds `/`, `?` or `#`, or holds `@` with none of those after it; a secret with `@` followed
 * by `/` must write that `@` as `%40`.
 */
export function splitCredentials(url: string): { scheme: string; credentials: string; rest: string } | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return undefined;
  const body = url.slice(scheme.length);
  const first = body.indexOf('@');
  if (first < 0) return undefined;
  const hostEnd = body.slice(first + 1).search(/[/?#]/);
  const authority = hostEnd < 0 ? body : body.slice(0, first + 1 + hostEnd);
  const at = authority.lastIndexOf('@');
  return { scheme, credentials: body.slice(0, at), rest: body.slice(at + 1) };
}

/** The URL with the characters that would end the credentials early percent-encoded, for `new URL`. */
export function withEncodedCredentials(url: string): string {
  const split = splitCredentials(url);
  if (!split) return url;
  const encoded = split.credentials.replace(/[/?#@]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `${split.scheme}${encoded}@${split.rest}`;
}
