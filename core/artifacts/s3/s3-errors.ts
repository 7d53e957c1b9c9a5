import { BackendUnavailableError } from '../../errors.js';
import { endpointOf, type S3Location } from './s3-location.js';

const BAD_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AuthorizationHeaderMalformed']);
const NO_PERMISSION = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);
// What a plain-HTTP client sees from a TLS port, or the reverse.
const WRONG_PROTOCOL = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'HPE_INVALID_CONSTANT', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** The S3 or Node error code of a client error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the codes an S3 server gives an absent object (GET and HEAD differ). */
export function isMissingObject(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}

/**
 * Turns the errors that mean "this store cannot be used as configured" into one-line
 * BackendUnavailableErrors naming the cause; anything else is returned unchanged. Messages
 * name the endpoint, bucket and access key, never the secret.
 */
export function toBackendError(error: unknown, location: S3Location): unknown {
  const code = errorCode(error);
  if (!code) return error;
  const where = `${endpointOf(location)} bucket "${location.bucket}"`;
  let reason: string | undefined;
  if (BAD_CREDENTIALS.has(code)) reason = `bad credentials: ${endpointOf(location)} rejected access key "${location.accessKey}" (${code})`;
  else if (NO_PERMISSION.has(code)) reason = `no permission: access key "${location.accessKey}" may not use ${where} (${code})`;
  else if (UNREACHABLE.has(code)) reason = `cannot reach ${endpointOf(location)} (${code}); is the server running and the host:port right?`;
  else if (WRONG_PROTOCOL.has(code))
    reason = `${endpointOf(location)} does not speak ${location.useSSL ? 'HTTPS' : 'HTTP'} (${code}); check secure= in the URL`;
  else if (code === 'NoSuchBucket') reason = `${where} does not exist and could not be created`;
  if (reason === undefined) return error;
  return new BackendUnavailableError('artifact store', reason, { cause: error });
}
