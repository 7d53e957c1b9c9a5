import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities/index.js';
import { FilesystemArtifactStore } from '../../core/artifacts/filesystem-store.js';
import { loadConfig } from '../../core/config.js';
import type { MetadataStore } from '../../core/metadata/metadata-store.js';
import { localPlatform } from '../../core/platform/local/local-platform.js';

/** Kiln's real activities over `metadata`, a fresh filesystem artifact store and the local platform (no Temporal client, no uv). */
export function localActivities(metadata: MetadataStore, prefix: string) {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const artifacts = new FilesystemArtifactStore(join(home, 'artifacts'));
  return createActivities({
    config: loadConfig({ home }),
    metadata,
    artifacts,
    platform: localPlatform({ metadata, artifacts, home, sdkDir: join(home, 'sdk'), uvPath: '/nonexistent/uv' }),
    temporal: undefined as unknown as Client,
  });
}
