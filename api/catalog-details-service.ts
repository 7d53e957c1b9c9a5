import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { environmentBuildLogKey } from '../core/artifacts/artifact-keys.js';
import { NotFoundError } from '../core/errors.js';
import type { DatasetVersionRecord } from '../core/metadata/datasets-repository.js';
import type { EnvironmentBuildRecord } from '../core/metadata/environments-repository.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import { storedLogTail } from './run-details-service.js';

export interface CatalogDetailsServiceOptions {
  metadata: MetadataStore;
  /** Where build logs are stored; absent: logs are reported as not found. */
  artifacts?: ArtifactStore;
}

/** An environment build's stored log (its newest attempt), with the build's state. */
export interface EnvironmentBuildLog {
  environment: string;
  spec_digest: string;
  build: EnvironmentBuildRecord | null;
  attempt: number;
  text: string;
  /** Bytes of the whole log; more than `text` holds when it was cut to its tail. */
  size: number;
  truncated: boolean;
}

const BUILD_LOG = /\/build-(\d+)\.log$/;

/** What the console shows of environments and datasets besides their specs: build logs and dataset versions. */
export class CatalogDetailsService {
  constructor(private readonly options: CatalogDetailsServiceOptions) {}

  /** A dataset's stored versions, newest first (404 for an unknown dataset; none yet is an empty list). */
  async datasetVersions(dataset: string): Promise<DatasetVersionRecord[]> {
    const { datasets } = this.options.metadata;
    if (!(await datasets.get(dataset))) throw new NotFoundError('dataset', dataset);
    return datasets.listVersions(dataset);
  }

  /** The log of the newest build attempt of the environment's current spec (404 while none was stored). */
  async buildLog(name: string): Promise<EnvironmentBuildLog> {
    const { metadata, artifacts } = this.options;
    const environment = await metadata.environments.get(name);
    if (!environment) throw new NotFoundError('environment', name);
    const digest = environment.specDigest;
    const prefix = environmentBuildLogKey(digest, 0).replace(BUILD_LOG, '/');
    const attempts = artifacts ? (await artifacts.list(prefix)).map((key) => Number(BUILD_LOG.exec(key)?.[1] ?? 0)) : [];
    const attempt = Math.max(0, ...attempts);
    if (!artifacts || attempt === 0) throw new NotFoundError('build log', `${name} (${digest.slice(0, 12)})`);
    const build = (await metadata.environments.getBuild(digest)) ?? null;
    return { environment: name, spec_digest: digest, build, attempt, ...(await storedLogTail(artifacts, environmentBuildLogKey(digest, attempt))) };
  }
}
