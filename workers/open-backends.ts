import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createArtifactStore } from '../core/artifacts/create-artifact-store.js';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { homePaths, type KilnConfig } from '../core/config.js';
import { openMetadataStore, type MetadataStore } from '../core/metadata/metadata-store.js';
import { choosePlatform } from '../core/platform/choose-platform.js';
import type { Platform } from '../core/platform/platform.js';
import { runningPaths } from './orphan-cleanup.js';

export interface Backends {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** Where stages run, environments are built and models served (KILN_EXECUTOR). */
  platform: Platform;
  sdkDir: string;
  close(): Promise<void>;
}

/** Opens the configured backends; the one place besides the factories that names them. */
export async function openBackends(config: KilnConfig): Promise<Backends> {
  const paths = homePaths(config.home);
  // The data directory holds credentials and everyone's runs: only its owner may read it.
  if (!existsSync(config.home)) mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const metadata = await openMetadataStore({ url: config.databaseUrl, sqlitePath: paths.database });
  const artifacts = createArtifactStore({ url: config.artifactsUrl, filesystemRoot: paths.artifacts });
  // A real round trip now, so a misconfigured store refuses start-up with its one-line reason.
  await artifacts.probe().catch(async (error: unknown) => {
    await metadata.close();
    throw error;
  });
  const sdkDir = join(config.installDir, 'sdk', 'python');
  const platform = await choosePlatform({ config, metadata, artifacts, sdkDir, runningDir: runningPaths(config.home).groups }).catch(async (error: unknown) => {
    await metadata.close();
    throw error;
  });
  return { metadata, artifacts, platform, sdkDir, close: () => metadata.close() };
}
