import { describe, expect, it } from 'vitest';
import { endpointOf, parseS3Url, redactS3Url } from '../../../core/artifacts/s3/s3-location.js';
import { BackendUnavailableError } from '../../../core/errors.js';

describe('parseS3Url', () => {
  it('reads endpoint, credentials, bucket, prefix and parameters from one URL', () => {
    expect(parseS3Url('s3://AKIA:s%2Fcr%40t@minio.local:9000/kiln/team/a?secure=false&region=eu-west-1')).toEqual({
      endPoint: 'minio.local',
      port: 9000,
      useSSL: false,
      region: 'eu-west-1',
      accessKey: 'AKIA',
      secretKey: 's/cr@t',
      bucket: 'kiln',
      prefix: 'team/a',
    });
  });

  it.each([
    ['s3://a:b@host/bkt', true, undefined],
    ['s3://a:b@host:9000/bkt?secure=true', true, 9000],
    ['http://a:b@host:9000/bkt', false, 9000],
    ['https://a:b@host/bkt', true, undefined],
  ])('%s: TLS %s, port %s, defaults elsewhere', (url, useSSL, port) => {
    expect(parseS3Url(url)).toMatchObject({ useSSL, port, region: 'us-east-1', bucket: 'bkt', prefix: '' });
  });

  it('ignores a trailing slash after the bucket or prefix', () => {
    expect(parseS3Url('s3://a:b@h/bkt/').prefix).toBe('');
    expect(parseS3Url('s3://a:b@h/bkt/p/q/').prefix).toBe('p/q');
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['s3://host/bucket', /missing credentials/],
    ['s3://onlykey@host/bucket', /missing credentials/],
    ['s3://a:b@host', /not a valid bucket name/],
    ['s3://a:b@host/Bad_Bucket', /"Bad_Bucket" is not a valid bucket name/],
    ['s3://a:b@host/bkt/a//b', /not a valid key prefix/],
    ['s3://a:b@host/bkt/.kiln-probe', /not a valid key prefix/],
    ['s3://a:b@host/bkt?secure=maybe', /secure must be true or false/],
    ['http://a:b@host/bkt?secure=true', /contradicts http:/],
    ['s3://a:b@host/bkt?sslmode=off', /unknown parameter "sslmode"/],
    ['ftp://a:b@host/bkt', /expected an s3:\/\/, http:\/\/ or https:\/\/ URL/],
  ])('rejects %j with a BackendUnavailableError', (url, message) => {
    expect(() => parseS3Url(url)).toThrow(BackendUnavailableError);
    expect(() => parseS3Url(url)).toThrow(message);
  });

  it.each([
    ['a "/"', 's3://AKIA:wJalrXUtnFEMI/K7MDENG/bPxRfiCY@minio.local:9000/kiln/team?secure=false', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY'],
    ['a "/" at its end', 's3://AKIA:secret/@minio.local/kiln', 'secret/'],
    ['"?" and "#"', 's3://AKIA:se?cr#et@minio.local/kiln', 'se?cr#et'],
    ['an "@"', 's3://AKIA:p@ss@minio.local/kiln', 'p@ss'],
    ['"+" and "="', 's3://AKIA:a+b=c@minio.local/kiln', 'a+b=c'],
  ])('reads a secret key holding %s as written, and the host after it', (_label, url, secretKey) => {
    expect(parseS3Url(url)).toMatchObject({ accessKey: 'AKIA', secretKey, endPoint: 'minio.local', bucket: 'kiln' });
  });

  it('keeps an "@" in the key prefix there, not in the credentials', () => {
    expect(parseS3Url('s3://a:b/c@host/bkt/team@x')).toMatchObject({ secretKey: 'b/c', endPoint: 'host', bucket: 'bkt', prefix: 'team@x' });
  });

  it('rejects a stray "%" in the credentials with a BackendUnavailableError that hides them', () => {
    expect(() => parseS3Url('s3://key:50%off/x@host/bkt')).toThrow(BackendUnavailableError);
    expect(() => parseS3Url('s3://key:50%off/x@host/bkt')).toThrow(/"%" that starts no %XX escape/);
    expect(() => parseS3Url('s3://key:50%off/x@host/bkt')).not.toThrow(/50%off/);
  });

  it.each([
    ['s3://key:T0p/Zq9x@host/Bad_Bucket', 'T0p/Zq9x'],
    ['s3://key:T0p/Zq9x@host:99999/bkt', 'T0p/Zq9x'],
    ['ftp://key:T0p/Zq9x@host/bkt', 'T0p/Zq9x'],
  ])('never puts a secret with "/" in an error (%s)', (url, secret) => {
    expect(() => parseS3Url(url)).toThrow(BackendUnavailableError);
    expect(() => parseS3Url(url)).not.toThrow(secret);
    expect(() => parseS3Url(url)).not.toThrow(secret.split('/')[1]!);
  });

  it('never puts the secret in an error', () => {
    expect(() => parseS3Url('s3://key:TOPSECRET@host/Bad_Bucket')).toThrow(/s3:\/\/key:\*\*\*@host/);
    expect(() => parseS3Url('s3://key:TOPSECRET@host/Bad_Bucket')).not.toThrow(/TOPSECRET/);
  });
});

describe('redactS3Url and endpointOf', () => {
  it.each([
    ['s3://key:secret@host:9000/b', 's3://key:***@host:9000/b'],
    ['https://key:se%2Fcret@host/b', 'https://key:***@host/b'],
    ['s3://host/b', 's3://host/b'],
    ['s3://access:se/cret@host/bucket', 's3://access:***@host/bucket'],
    ['s3://access:a/b/c@host:9000/bucket/p?secure=false', 's3://access:***@host:9000/bucket/p?secure=false'],
    ['s3://access:p@ss@host/bucket', 's3://access:***@host/bucket'],
    ['s3://a:b@host/bkt/x@y', 's3://a:***@host/bkt/x@y'],
    ['s3://onlykey@host/b', 's3://onlykey@host/b'],
  ])('redacts %s', (url, redacted) => {
    expect(redactS3Url(url)).toBe(redacted);
  });

  it('names the endpoint with scheme and port, IPv6 in brackets', () => {
    expect(endpointOf(parseS3Url('s3://a:b@[::1]:9000/bkt?secure=false'))).toBe('http://[::1]:9000');
    expect(endpointOf(parseS3Url('s3://a:b@s3.example.com/bkt'))).toBe('https://s3.example.com');
  });
});
