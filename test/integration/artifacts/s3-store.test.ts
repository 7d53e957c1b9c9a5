import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactIntegrityError } from '../../../core/artifacts/artifact-integrity-error.js';
import { NotFoundError } from '../../../core/errors.js';
import { interceptClient } from '../../support/intercept-client.js';
import { type FreshS3StoreOptions, freshS3Store, incompleteUploads, S3_SERVERS, type S3Fixture } from '../../support/s3-test-stores.js';
import { describeArtifactStore } from '../../unit/artifacts/artifact-store-suite.js';
import { readAll, sha256 } from '../../unit/artifacts/stream-helpers.js';
import { writePatternFile } from './pattern-file.js';

const MiB = 1024 * 1024;

for (const { name, urlKey } of S3_SERVERS) {
  describeArtifactStore(`S3 on ${name}`, async () => freshS3Store(urlKey));

  describe(`S3ArtifactStore on ${name}`, () => {
    let fixtures: S3Fixture[] = [];
    let localDir: string;
    const fresh = (options?: FreshS3StoreOptions) => {
      const fixture = freshS3Store(urlKey, options);
      fixtures.push(fixture);
      return fixture;
    };
    // By exact name: MinIO lists the multipart uploads of one object, not of a prefix.
    const leftovers = ({ raw, location }: S3Fixture, key: string) => incompleteUploads(raw, location.bucket, `${location.prefix}/${key}`);
    beforeEach(async () => {
      localDir = await mkdtemp(join(tmpdir(), 'kiln-s3-test-'));
    });
    afterEach(async () => {
      await Promise.all(fixtures.map((f) => f.cleanup()));
      fixtures = [];
      await rm(localDir, { recursive: true, force: true });
    });

    describe('atomic uploads', () => {
      it('aborts the multipart upload, leaving no object and no upload, when a part fails', async () => {
        const file = await writePatternFile(join(localDir, 'model.bin'), 20 * MiB);
        const fixture = fresh({
          client: (real) =>
            interceptClient(real, {
              uploadPart: (part, payload) => (part.partNumber === 2 ? Promise.reject(new Error('connection lost on part 2')) : real.uploadPart(part, payload)),
            }),
        });
        await fixture.store.put('model.bin', 'previous version');
        await expect(fixture.store.putFile('model.bin', file)).rejects.toThrow('connection lost on part 2');
        expect((await fixture.store.getBuffer('model.bin')).toString()).toBe('previous version');
        expect(await leftovers(fixture, 'model.bin')).toEqual([]);
      });

      it('stores nothing when the file changes while it is uploaded', async () => {
        const file = await writePatternFile(join(localDir, 'model.bin'), 20 * MiB);
        const fixture = fresh({
          client: (real) =>
            interceptClient(real, {
              uploadPart: async (part, payload) => {
                if (part.partNumber === 1) await overwrite(file, 19 * MiB, Buffer.from('changed behind our back'));
                return real.uploadPart(part, payload);
              },
            }),
        });
        await expect(fixture.store.putFile('model.bin', file)).rejects.toThrow(/changed while it was uploaded/);
        expect(await fixture.store.exists('model.bin')).toBe(false);
        expect(await leftovers(fixture, 'model.bin')).toEqual([]);
      });

      it('leaves no object, upload or spool file when a long streamed body fails', async () => {
        const fixture = fresh({ spoolDir: localDir });
        const body = Readable.from(
          (async function* () {
            for (let i = 0; i < 12; i++) yield Buffer.alloc(MiB, i);
            throw new Error('upstream broke');
          })(),
        );
        await expect(fixture.store.put('logs/big.log', body)).rejects.toThrow('upstream broke');
        expect(await fixture.store.list('')).toEqual([]);
        expect(await leftovers(fixture, 'logs/big.log')).toEqual([]);
        expect(await readdir(localDir)).toEqual([]);
      });

      it('can see an upload left open, so the checks above would catch one', async () => {
        const fixture = fresh();
        await fixture.store.put('placeholder', 'creates the bucket');
        const name = `${fixture.location.prefix}/open.bin`;
        const uploadId = await fixture.raw.initiateNewMultipartUpload(fixture.location.bucket, name, {});
        expect(await leftovers(fixture, 'open.bin')).toEqual([{ key: name, uploadId }]);
        await fixture.raw.abortMultipartUpload(fixture.location.bucket, name, uploadId);
      });

      it('shows readers nothing until the last part is in, then the whole object', async () => {
        const file = await writePatternFile(join(localDir, 'model.bin'), 20 * MiB);
        let reachedPart3!: () => void;
        let releasePart3!: () => void;
        const atPart3 = new Promise<void>((resolve) => (reachedPart3 = resolve));
        const release = new Promise<void>((resolve) => (releasePart3 = resolve));
        const fixture = fresh({
          client: (real) =>
            interceptClient(real, {
              uploadPart: async (part, payload) => {
                if (part.partNumber === 3) {
                  reachedPart3();
                  await release;
                }
                return real.uploadPart(part, payload);
              },
            }),
        });
        const upload = fixture.store.putFile('model.bin', file);
        await atPart3;
        expect(await fixture.store.exists('model.bin')).toBe(false);
        expect(await fixture.store.list('')).toEqual([]);
        await expect(fixture.store.get('model.bin')).rejects.toBeInstanceOf(NotFoundError);
        releasePart3();
        const info = await upload;
        expect(sha256(await fixture.store.getBuffer('model.bin'))).toBe(info.sha256);
      });
    });

    describe('checksums', () => {
      it('records the sha256 as x-amz-meta-kiln-sha256, for single and multipart uploads', async () => {
        const fixture = fresh();
        const small = await fixture.store.put('small.txt', 'tiny');
        const large = await fixture.store.putFile('large.bin', await writePatternFile(join(localDir, 'large.bin'), 20 * MiB));
        for (const info of [small, large]) {
          const stat = await fixture.raw.statObject(fixture.location.bucket, `${fixture.location.prefix}/${info.key}`);
          expect(stat.metaData['kiln-sha256']).toBe(info.sha256);
        }
      });

      it('fails a download whose bytes do not match the recorded sha256, naming the key', async () => {
        const fixture = fresh();
        const info = await fixture.store.put('models/m.bin', 'the real model bytes');
        // Out of band: other bytes under the old checksum, as a bit flip or a stray writer would leave.
        await fixture.raw.putObject(fixture.location.bucket, `${fixture.location.prefix}/models/m.bin`, Buffer.from('tampered model bytes'), undefined, {
          'kiln-sha256': info.sha256,
        });
        const streamed = await readAll(await fixture.store.get('models/m.bin')).catch((e: unknown) => e);
        expect(streamed).toBeInstanceOf(ArtifactIntegrityError);
        expect(streamed).toMatchObject({ key: 'models/m.bin', message: expect.stringMatching(/^artifact "models\/m\.bin" is corrupt: .*sha256/) });
        await expect(fixture.store.getBuffer('models/m.bin')).rejects.toBeInstanceOf(ArtifactIntegrityError);
        await expect(fixture.store.getToFile('models/m.bin', join(localDir, 'm.bin'))).rejects.toBeInstanceOf(ArtifactIntegrityError);
        expect(await readdir(localDir)).toEqual([]);
      });

      it('refuses an object that another tool stored without a checksum', async () => {
        const fixture = fresh();
        await fixture.store.put('placeholder', 'creates the bucket');
        await fixture.raw.putObject(fixture.location.bucket, `${fixture.location.prefix}/foreign.bin`, Buffer.from('no checksum'));
        await expect(fixture.store.getBuffer('foreign.bin')).rejects.toThrow(/"foreign\.bin" has no kiln-sha256 metadata/);
      });
    });
  });
}

/** Writes `bytes` at `offset` into an existing file, in place. */
async function overwrite(path: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}
