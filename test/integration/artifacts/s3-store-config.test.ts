import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { checkArtifactStore } from '../../../core/artifacts/check-artifact-store.js';
import { createArtifactStore } from '../../../core/artifacts/create-artifact-store.js';
import { parseS3Url } from '../../../core/artifacts/s3/s3-location.js';
import { BackendUnavailableError } from '../../../core/errors.js';
import { freePort } from '../../../core/net/free-port.js';
import { rawClient, removeAll, S3_SERVERS, withPath } from '../../support/s3-test-stores.js';

const filesystemRoot = join(tmpdir(), 'kiln-unused-filesystem-root');
const open = (url: string) => createArtifactStore({ url, filesystemRoot });

/** Every kind of call, so no path through the store escapes the error mapping. */
const CALLS = {
  put: (url: string) => open(url).put('k', 'v'),
  get: (url: string) => open(url).get('k'),
  list: (url: string) => open(url).list(''),
  exists: (url: string) => open(url).exists('k'),
  probe: (url: string) => open(url).probe(),
};

for (const { name, urlKey } of S3_SERVERS) {
  describe(`S3 artifact store configuration on ${name}`, () => {
    const url = () => inject(urlKey);
    const { accessKey, secretKey } = parseS3Url(inject(urlKey));

    describe('bucket creation', () => {
      it('creates a missing bucket on first use', async () => {
        const bucket = `kiln-auto-${randomUUID().slice(0, 8)}`;
        const raw = rawClient(parseS3Url(withPath(url(), `/${bucket}`)));
        expect(await raw.bucketExists(bucket)).toBe(false);
        await open(withPath(url(), `/${bucket}`)).put('first', 'x');
        expect(await raw.bucketExists(bucket)).toBe(true);
        await removeAll(raw, bucket, '');
        await raw.removeBucket(bucket);
      });

      it('lets several stores create the same bucket at the same moment', async () => {
        const bucket = `kiln-race-${randomUUID().slice(0, 8)}`;
        const stores = Array.from({ length: 4 }, () => open(withPath(url(), `/${bucket}`)));
        await Promise.all(stores.map((store, i) => store.put(`k${i}`, `v${i}`)));
        expect(await stores[0]!.list('')).toEqual(['k0', 'k1', 'k2', 'k3']);
        const raw = rawClient(parseS3Url(withPath(url(), `/${bucket}`)));
        await removeAll(raw, bucket, '');
        await raw.removeBucket(bucket);
      });
    });

    describe('unusable configurations fail with one line naming the cause, never the secret', () => {
      const cases: [string, () => Promise<string>, RegExp][] = [
        [
          'a wrong secret key',
          async () => url().replace(`:${secretKey}@`, ':wrong-secret@'),
          /^artifact store: bad credentials: http:\/\/127\.0\.0\.1:\d+ rejected access key "kiln\w+" \(SignatureDoesNotMatch\)$/,
        ],
        [
          'an unknown access key',
          async () => url().replace(`${accessKey}:`, 'nobody:'),
          /^artifact store: bad credentials: .* rejected access key "nobody" \((InvalidAccessKeyId|SignatureDoesNotMatch)\)$/,
        ],
        [
          'an endpoint where nothing listens',
          async () => url().replace(/@127\.0\.0\.1:\d+/, `@127.0.0.1:${await freePort()}`),
          /^artifact store: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); is the server running/,
        ],
        [
          'TLS against a plain-HTTP server',
          async () => url().replace('secure=false', 'secure=true'),
          /^artifact store: https:\/\/127\.0\.0\.1:\d+ does not speak HTTPS \(\w+\); check secure= in the URL$/,
        ],
      ];

      it.each(cases)('%s', async (_label, badUrl, expected) => {
        const bad = await badUrl();
        for (const [call, run] of Object.entries(CALLS)) {
          const error = await run(bad).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, call).toBeInstanceOf(BackendUnavailableError);
          expect((error as Error).message, call).toMatch(expected);
          expect((error as Error).message, call).not.toContain(secretKey);
        }
        const check = await checkArtifactStore(bad, filesystemRoot);
        expect(check).toEqual({ ok: false, reason: expect.stringMatching(new RegExp(expected.source.replace('^artifact store: ', '^'))) });
      });
    });

    it('checks a working store with a real round trip that leaves nothing behind', async () => {
      const prefix = `check-${randomUUID()}`;
      const checked = withPath(url(), `/${parseS3Url(url()).bucket}/${prefix}`);
      expect(await checkArtifactStore(checked, filesystemRoot)).toEqual({
        ok: true,
        description: expect.stringMatching(new RegExp(`^s3://kiln/${prefix} at http://127\\.0\\.0\\.1:\\d+ \\(write, read back and delete work\\)$`)),
      });
      const raw = rawClient(parseS3Url(checked));
      const left: string[] = [];
      for await (const item of raw.listObjects('kiln', `${prefix}/`, true)) left.push(item.name ?? '');
      expect(left).toEqual([]);
    });
  });
}

describe('S3 artifact store without write permission (SeaweedFS read-only identity)', () => {
  it('reads, but reports the missing permission in one line when writing', async () => {
    const path = `/kiln/perm-${randomUUID()}`;
    await open(withPath(inject('seaweedfsUrl'), path)).put('shared/x', 'written by the admin');
    const readonlyUrl = withPath(inject('seaweedfsReadonlyUrl'), path);
    const reader = open(readonlyUrl);
    expect((await reader.getBuffer('shared/x')).toString()).toBe('written by the admin');
    const error = await reader.put('shared/y', 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      /^artifact store: no permission: access key "reader\w+" may not use http:\/\/127\.0\.0\.1:\d+ bucket "kiln" \(AccessDenied\)$/,
    );
    expect(await checkArtifactStore(readonlyUrl, filesystemRoot)).toEqual({ ok: false, reason: expect.stringMatching(/^no permission: .*AccessDenied/) });
    const raw = rawClient(parseS3Url(inject('seaweedfsUrl')));
    await removeAll(raw, 'kiln', `${path.slice('/kiln/'.length)}/`);
  });
});
