import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { WriteGeneration } from './write-generation.js';

export type OwnedKind = 'environment' | 'dataset' | 'project' | 'schedule' | 'experiment';

export interface OwnerRecord {
  owner: string;
  team: string | null;
}

/** Who created each named resource and for which team; the first creator's record stays. */
export class OwnersRepository {
  /** Moves on with every claim through this store, for caches of resources' teams. */
  readonly generation = new WriteGeneration();

  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(kind: OwnedKind, name: string, owner: OwnerRecord): Promise<void> {
    await this.generation.around(() =>
      this.writes.insertIfAbsent(
        this.db,
        'resource_owners',
        { kind, name, owner: owner.owner, team: owner.team, created_at: this.now() },
        { key: ['kind', 'name'] },
      ),
    );
  }

  /** Every owned resource of a kind, by name. */
  async all(kind: OwnedKind): Promise<Map<string, OwnerRecord>> {
    const rows = await this.db.selectFrom('resource_owners').select(['name', 'owner', 'team']).where('kind', '=', kind).execute();
    return new Map(rows.map((r) => [r.name, { owner: r.owner, team: r.team }]));
  }
}
