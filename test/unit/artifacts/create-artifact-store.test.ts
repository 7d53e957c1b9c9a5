import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createArtifactStore } from '../../../core/artifacts/create-artifact-store.js';
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

  it.each(['s3://bucket/prefix', 'http://minio:9000/bucket', 'https://minio.example.com/b'])(
    'refuses %s until the scale-out backends land',
    (url) => {
      expect(() => createArtifactStore({ url, filesystemRoot: root })).toThrow(BackendUnavailableError);
      expect(() => createArtifactStore({ url, filesystemRoot: root })).toThrow(/S3\/MinIO.*scale-out/);
    },
  );

  it('refuses an unknown scheme', () => {
    expect(() => createArtifactStore({ url: 'ftp://host/x', filesystemRoot: root })).toThrow(/unsupported URL scheme/);
  });
});
