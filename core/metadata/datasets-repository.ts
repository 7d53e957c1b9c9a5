import { createHash } from 'node:crypto';
import { ConflictError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';
import { DatasetSpec } from '../specs/dataset.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { parseJsonColumn } from './columns.js';
import type { DatasetVersionsTable, DatasetsTable } from './tables.js';

const DatasetSplit = DatasetSpec.shape.split;
export type DatasetSplit = DatasetSpec['split'];

export interface DatasetRecord {
  name: string;
  spec: DatasetSpec;
  createdAt: number;
  updatedAt: number;
}

export interface NewDatasetVersion {
  id: string;
  datasetName: string;
  contentSha256: string;
  split: DatasetSplit;
  trainRows: number;
  testRows: number;
  artifactPrefix: string;
}

export interface DatasetVersionRecord extends NewDatasetVersion {
  createdAt: number;
}

/** Dataset specs by name, and their content-addressed versions. */
export class DatasetsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  async upsert(spec: DatasetSpec): Promise<DatasetRecord> {
    const now = this.now();
    const row: DatasetsTable = { name: spec.name, spec_json: canonicalJson(spec), created_at: now, updated_at: now };
    await this.writes.upsert(this.db, 'datasets', row, { key: ['name'], update: ['spec_json', 'updated_at'] });
    const stored = await this.get(spec.name);
    if (!stored) throw new Error(`metadata: dataset "${spec.name}" vanished right after being written`);
    return stored;
  }

  async get(name: string): Promise<DatasetRecord | undefined> {
    const row = await this.db.selectFrom('datasets').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toDataset(row);
  }

  async list(): Promise<DatasetRecord[]> {
    const rows = await this.db.selectFrom('datasets').selectAll().orderBy('name').execute();
    return rows.map(toDataset);
  }

  /**
   * Records a version, or returns the one already recorded for the same content and split
   * (whatever its id), so a retried or repeated import creates nothing new. Throws
   * ConflictError when `id` is taken by different content.
   */
  async recordVersion(version: NewDatasetVersion): Promise<DatasetVersionRecord> {
    const splitJson = canonicalJson(version.split);
    const splitDigest = createHash('sha256').update(splitJson).digest('hex');
    const row: DatasetVersionsTable = {
      id: version.id,
      dataset_name: version.datasetName,
      content_sha256: version.contentSha256,
      split_json: splitJson,
      split_digest: splitDigest,
      train_rows: version.trainRows,
      test_rows: version.testRows,
      artifact_prefix: version.artifactPrefix,
      created_at: this.now(),
    };
    await this.writes.insertIfAbsent(this.db, 'dataset_versions', row, { key: ['id'] });
    const stored = await this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_name', '=', version.datasetName)
      .where('content_sha256', '=', version.contentSha256)
      .where('split_digest', '=', splitDigest)
      .executeTakeFirst();
    if (!stored) throw new ConflictError('dataset version', `dataset version id "${version.id}" already names different content`);
    return toVersion(stored);
  }

  async getVersion(id: string): Promise<DatasetVersionRecord | undefined> {
    const row = await this.db.selectFrom('dataset_versions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toVersion(row);
  }

  /** What the dataset's source looked like at the last watch check. */
  async getWatch(datasetName: string): Promise<DatasetWatchRecord | undefined> {
    const row = await this.db.selectFrom('dataset_watch').selectAll().where('dataset_name', '=', datasetName).executeTakeFirst();
    return (
      row && {
        datasetName: row.dataset_name,
        fingerprint: row.fingerprint,
        contentSha256: row.content_sha256,
        versionId: row.version_id,
        checkedAt: Number(row.checked_at),
      }
    );
  }

  async recordWatch(watch: Omit<DatasetWatchRecord, 'checkedAt'>): Promise<void> {
    const row = {
      dataset_name: watch.datasetName,
      fingerprint: watch.fingerprint,
      content_sha256: watch.contentSha256,
      version_id: watch.versionId,
      checked_at: this.now(),
    };
    await this.writes.upsert(this.db, 'dataset_watch', row, { key: ['dataset_name'], update: ['fingerprint', 'content_sha256', 'version_id', 'checked_at'] });
  }

  /** Versions of one dataset, newest first. */
  async listVersions(datasetName: string): Promise<DatasetVersionRecord[]> {
    const rows = await this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset_name', '=', datasetName)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toVersion);
  }
}

export interface DatasetWatchRecord {
  datasetName: string;
  fingerprint: string;
  contentSha256: string;
  versionId: string;
  checkedAt: number;
}

function toDataset(row: DatasetsTable): DatasetRecord {
  return {
    name: row.name,
    spec: parseJsonColumn(DatasetSpec, row.spec_json, `datasets.spec_json of "${row.name}"`),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toVersion(row: DatasetVersionsTable): DatasetVersionRecord {
  return {
    id: row.id,
    datasetName: row.dataset_name,
    contentSha256: row.content_sha256,
    split: parseJsonColumn(DatasetSplit, row.split_json, `dataset_versions.split_json of "${row.id}"`),
    trainRows: Number(row.train_rows),
    testRows: Number(row.test_rows),
    artifactPrefix: row.artifact_prefix,
    createdAt: Number(row.created_at),
  };
}
