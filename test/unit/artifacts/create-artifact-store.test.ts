import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createArtifactStore } from '../../../core/artifacts/create-artifact-store.js';
import { S3ArtifactStore } from '../../../core/artifacts/s3/s3-artifact-store.js';
import { BackendUnavailableError } from '../../../core/errors.js';

describe('createArtifactStore', () => {
  const root = join(tmpdir(), 'kiln-factory-root');

  it('uses the filesystem root when no URL is set', () => {
    expect(createArtifactStore({ filesystemRoot: root }).description).toBe(`filesystem:${root}`);
    expect(createArtifactStore({ url: '  ', filesystemRoot: root }).description).toBe(`filesystem:${root}`);
  });

  it('uses the path of a file:// URL', () => {
    const other = join(tmpdir(), 'kiln-other-root');
    expect(createArtifactStore({ url: pathToFileURL(other).href, filesystemRoot: root }).description).toBe(`filesystem:${other}`);
  });

  it.each([
    ['s3://AK:SK@minio:9000/bucket/prefix?secure=false', 's3://bucket/prefix at http://minio:9000'],
    ['http://AK:SK@127.0.0.1:9000/bucket', 's3://bucket/ at http://127.0.0.1:9000'],
    ['https://AK:SK@s3.example.com/b-1', 's3://b-1/ at https://s3.example.com'],
  ])('builds an S3 store for %s without contacting it', (url, description) => {
    const store = createArtifactStore({ url, filesystemRoot: root });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.description).toBe(description);
  });

  it('refuses an unknown scheme without echoing a secret', () => {
    const call = () => createArtifactStore({ url: 'ftp://user:hunter2@host/x', filesystemRoot: root });
    expect(call).toThrow(BackendUnavailableError);
    expect(call).toThrow(/unsupported URL scheme/);
    expect(call).not.toThrow(/hunter2/);
  });
});
