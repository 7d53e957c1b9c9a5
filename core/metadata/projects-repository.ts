import { canonicalJson } from '../specs/canonical-json.js';
import { ProjectSpec } from '../specs/project.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { parseJsonColumn } from './columns.js';
import type { ProjectsTable } from './tables.js';
import { WriteGeneration } from './write-generation.js';

export interface ProjectRecord {
  name: string;
  spec: ProjectSpec;
  createdAt: number;
  updatedAt: number;
}

/** Project specs by name; re-registering a project replaces its spec and keeps `createdAt`. */
export class ProjectsRepository {
  /** Moves on with every project written through this store, for caches of which project a model belongs to. */
  readonly generation = new WriteGeneration();

  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  async upsert(spec: ProjectSpec): Promise<ProjectRecord> {
    const now = this.now();
    const row: ProjectsTable = { name: spec.name, spec_json: canonicalJson(spec), created_at: now, updated_at: now };
    await this.generation.around(() => this.writes.upsert(this.db, 'projects', row, { key: ['name'], update: ['spec_json', 'updated_at'] }));
    const stored = await this.get(spec.name);
    if (!stored) throw new Error(`metadata: project "${spec.name}" vanished right after being written`);
    return stored;
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toProject(row);
  }

  async list(): Promise<ProjectRecord[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject);
  }
}

function toProject(row: ProjectsTable): ProjectRecord {
  return {
    name: row.name,
    spec: parseJsonColumn(ProjectSpec, row.spec_json, `projects.spec_json of "${row.name}"`),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
