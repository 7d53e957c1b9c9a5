import { mkdtemp, rm } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../../activities/environments.js';
import { createActivities } from '../../../activities/index.js';
import { environmentBuildLogKey } from '../../../core/artifacts/artifact-keys.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { loadConfig } from '../../../core/config.js';
import { requireTool } from '../../../core/environments/tool-paths.js';
import { openMetadataStore, type MetadataStore } from '../../../core/metadata/metadata-store.js';
import { localPlatform } from '../../../core/platform/local/local-platform.js';
import { environmentDigest } from '../../../core/specs/environment-digest.js';
import { EnvironmentSpec } from '../../../core/specs/environment.js';

/** buildEnvironment with real uv and a real artifact store, as the build workflow runs it (attempt 1 each time). */
describe('environment build log (real uv)', () => {
  let home: string;
  let metadata: MetadataStore;
  let artifacts: FilesystemArtifactStore;
  let activities: ReturnType<typeof createActivities>;
  const spec = EnvironmentSpec.parse({ name: 'log-env', python_version: '3.11' });
  const ref = { name: spec.name, spec, digest: environmentDigest(spec) };
  const build = (): Promise<BuildResult> => new MockActivityEnvironment({ attempt: 1 }).run(() => activities.buildEnvironment(ref));
  const storedLog = async () => text(await artifacts.get(environmentBuildLogKey(ref.digest, 1)));

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kiln-build-log-'));
    const config = loadConfig({ home });
    metadata = await openMetadataStore({ sqlitePath: join(home, 'kiln.sqlite') });
    artifacts = new FilesystemArtifactStore(join(home, 'artifacts'));
    const uvPath = await requireTool(config, 'uv');
    const platform = localPlatform({ metadata, artifacts, home, sdkDir: join(home, 'sdk'), uvPath });
    activities = createActivities({ config, metadata, artifacts, platform, temporal: undefined as unknown as Client });
  });
  afterAll(async () => {
    await metadata?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("stores every line of uv's build", async () => {
    const built = await build();
    expect(built.reused).toBe(false);
    expect(await storedLog()).toMatch(/virtual environment/i);
    expect((await metadata.environments.getBuild(ref.digest))?.status).toBe('ready');
  });

  // The build workflow runs again when a run asks after the first build finished (apply, then run).
  it("a later build that finds the environment built leaves the real build's record and log in place", async () => {
    const log = await storedLog();
    const record = await metadata.environments.getBuild(ref.digest);
    const again = await build();
    expect(again.reused).toBe(true);
    expect(await storedLog()).toBe(log);
    expect(await metadata.environments.getBuild(ref.digest)).toEqual(record);
  });

  // The venv on disk, its record gone (a new database on the same data directory): recorded ready, no log written.
  it('a build that finds the venv on disk without a ready record records it ready and writes no empty log', async () => {
    const log = await storedLog();
    await metadata.environments.markFailed(ref.digest, 'forgotten');
    const found = await build();
    expect(found.reused).toBe(true);
    expect(await storedLog()).toBe(log);
    expect(await metadata.environments.getBuild(ref.digest)).toMatchObject({ status: 'ready', durationMs: 0 });
  });
});
