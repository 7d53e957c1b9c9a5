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
  ])('redacts %s', (url, redacted) => {
    expect(redactS3Url(url)).toBe(redacted);
  });

  it('names the endpoint with scheme and port, IPv6 in brackets', () => {
    expect(endpointOf(parseS3Url('s3://a:b@[::1]:9000/bkt?secure=false'))).toBe('http://[::1]:9000');
    expect(endpointOf(parseS3Url('s3://a:b@s3.example.com/bkt'))).toBe('https://s3.example.com');
  });
});
