import { BackendUnavailableError } from '../../errors.js';
import { normalizePrefix } from '../artifact-key.js';
import { splitCredentials, withEncodedCredentials } from '../../net/url-credentials.js';

/** Where an S3 artifact store keeps its objects and how to reach it. Frozen once parsed. */
export interface S3Location {
  /** Host name or IP of the S3 endpoint, without scheme or port. */
  readonly endPoint: string;
  /** Port of the endpoint; undefined means the scheme's default (443, or 80 without TLS). */
  readonly port: number | undefined;
  /** TLS on the wire; default true. */
  readonly useSSL: boolean;
  /** Region used for signing; default `us-east-1`, which MinIO and SeaweedFS accept. */
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  /** Key prefix inside the bucket that the store owns (no leading or trailing `/`); `''` is the whole bucket. */
  readonly prefix: string;
}

const SCHEMES: Record<string, boolean | undefined> = { 's3:': undefined, 'http:': false, 'https:': true };

/**
 * Parses an S3 artifact store URL:
 *
 *     s3://ACCESS_KEY:SECRET_KEY@HOST[:PORT]/BUCKET[/KEY/PREFIX][?secure=false][&region=us-east-1]
 *
 * `http://…` and `https://…` mean the same with TLS off or on (a `secure` parameter must agree).
 * `s3://` uses TLS unless `secure=false`. Keys and secrets are percent-decoded, so any character
 * can be given as `%XX`; `/`, `?`, `#` and `@` may also be written as they are (S3 secret keys
 * often hold a `/`): the credentials run to the `@` before the host (see splitCredentials).
 * Errors never contain the secret.
 */
export function parseS3Url(url: string): S3Location {
  const redacted = redactS3Url(url);
  const fail = (problem: string): never => {
    throw new BackendUnavailableError('artifact store', `${redacted}: ${problem}`);
  };
  let parsed: URL;
  try {
    parsed = new URL(withEncodedCredentials(url));
  } catch {
    return fail('not a valid URL; expected s3://ACCESS_KEY:SECRET_KEY@HOST:PORT/BUCKET');
  }
  if (!(parsed.protocol in SCHEMES)) fail('expected an s3://, http:// or https:// URL');
  if (!parsed.hostname) fail('missing the endpoint host');
  const secureParam = parsed.searchParams.get('secure');
  if (secureParam !== null && secureParam !== 'true' && secureParam !== 'false') fail('secure must be true or false');
  const implied = SCHEMES[parsed.protocol];
  const explicit = secureParam === null ? undefined : secureParam === 'true';
  if (implied !== undefined && explicit !== undefined && implied !== explicit) fail(`secure=${secureParam} contradicts ${parsed.protocol}//`);
  for (const name of parsed.searchParams.keys()) {
    if (name !== 'secure' && name !== 'region') fail(`unknown parameter "${name}" (allowed: secure, region)`);
  }
  const accessKey = decodeOr(parsed.username, fail);
  const secretKey = decodeOr(parsed.password, fail);
  if (!accessKey || !secretKey) fail('missing credentials; put them in the URL as ACCESS_KEY:SECRET_KEY@');

  const [bucket = '', ...rest] = decodeURIComponent(parsed.pathname).replace(/^\/+/, '').split('/');
  // The S3 rules for bucket names, checked here so a typo fails before any request.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) fail(`"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, "." or "-")`);
  let prefix = '';
  try {
    prefix = normalizePrefix(rest.join('/'));
  } catch {
    fail(`"${rest.join('/')}" is not a valid key prefix`);
  }
  return Object.freeze({
    endPoint: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : undefined,
    useSSL: implied ?? explicit ?? true,
    region: parsed.searchParams.get('region') || 'us-east-1',
    accessKey,
    secretKey,
    bucket,
    prefix,
  });
}

/** The URL with its secret replaced by `***`, for messages and logs. */
export function redactS3Url(url: string): string {
  const split = splitCredentials(url);
  if (!split?.credentials.includes(':')) return url;
  return `${split.scheme}${split.credentials.slice(0, split.credentials.indexOf(':'))}:***@${split.rest}`;
}

function decodeOr(text: string, fail: (problem: string) => never): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail('the credentials hold a "%" that starts no %XX escape; write it as %25');
  }
}

/** `http://host:port` of the endpoint, for messages. */
export function endpointOf(location: S3Location): string {
  const host = location.endPoint.includes(':') ? `[${location.endPoint}]` : location.endPoint;
  return `${location.useSSL ? 'https' : 'http'}://${host}${location.port === undefined ? '' : `:${location.port}`}`;
}
