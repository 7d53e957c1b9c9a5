import { describe, expect, it } from 'vitest';
import type { AliasMove } from '../../../core/metadata/aliases-repository.js';
import type { NewModelVersion } from '../../../core/metadata/models-repository.js';
import { DIALECTS, useFreshStore } from './dialects.js';
import { newRun } from './fixtures.js';

function move(eventId: string, version: number | null, overrides: Partial<AliasMove> = {}): AliasMove {
  return { eventId, modelName: 'iris', alias: 'champion', version, actor: 'kiln', runId: `run-${eventId}`, reason: `move ${eventId}`, ...overrides };
}

function model(runId: string, overrides: Partial<NewModelVersion> = {}): NewModelVersion {
  return { modelName: 'iris', runId, params: newRun(runId).params, metrics: { accuracy: 0.95 }, artifactPrefix: 'runs/r1/train/model', ...overrides };
}

for (const dialect of DIALECTS) {
  describe(`model aliases [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('creates an alias on its first move and records the move with no previous version', async () => {
      const at = ctx.clock.peek();
      const event = await ctx.store.aliases.move(move('r1/champion', 1, { runId: 'r1', reason: 'passed the gate' }));
      expect(event).toEqual({
        id: 'r1/champion',
        modelName: 'iris',
        alias: 'champion',
        version: 1,
        previousVersion: null,
        actor: 'kiln',
        runId: 'r1',
        reason: 'passed the gate',
        createdAt: at,
      });
      expect(await ctx.store.aliases.get('iris', 'champion')).toEqual({ modelName: 'iris', alias: 'champion', version: 1, updatedAt: at });
      expect(await ctx.store.aliases.history('iris')).toEqual([event]);
    });

    it('records the version a move replaced', async () => {
      await ctx.store.aliases.move(move('r1/champion', 1));
      const at = ctx.clock.peek();
      const second = await ctx.store.aliases.move(move('r2/champion', 2, { actor: 'alice', runId: null }));
      expect(second).toMatchObject({ version: 2, previousVersion: 1, actor: 'alice', runId: null, createdAt: at });
      expect(await ctx.store.aliases.get('iris', 'champion')).toEqual({ modelName: 'iris', alias: 'champion', version: 2, updatedAt: at });
    });

    it('removes an alias moved to no version, and records the removal', async () => {
      await ctx.store.aliases.move(move('r1/champion', 3));
      const removal = await ctx.store.aliases.move(move('remove', null, { reason: 'removed by hand' }));
      expect(removal).toMatchObject({ id: 'remove', version: null, previousVersion: 3, reason: 'removed by hand' });
      expect(await ctx.store.aliases.get('iris', 'champion')).toBeUndefined();
      expect(await ctx.store.aliases.list('iris')).toEqual([]);
      expect((await ctx.store.aliases.history('iris')).map((e) => [e.version, e.previousVersion])).toEqual([
        [3, null],
        [null, 3],
      ]);
    });

    it('records the removal of an alias that was never set, with no previous version', async () => {
      expect(await ctx.store.aliases.move(move('remove', null))).toMatchObject({ version: null, previousVersion: null });
      expect(await ctx.store.aliases.get('iris', 'champion')).toBeUndefined();
    });

    it('is idempotent by event id: a repeated move returns the first event and changes nothing', async () => {
      const first = await ctx.store.aliases.move(move('r1/champion', 1));
      await ctx.store.aliases.move(move('r2/champion', 2));
      const retried = await ctx.store.aliases.move(move('r1/champion', 5, { reason: 'retried with other values' }));
      expect(retried).toEqual(first);
      expect(await ctx.store.aliases.get('iris', 'champion')).toMatchObject({ version: 2 });
      expect((await ctx.store.aliases.history('iris')).map((e) => e.id)).toEqual(['r1/champion', 'r2/champion']);
    });

    it('lists history oldest first, the newest `limit` moves, and only of the given model', async () => {
      await ctx.store.aliases.move(move('a', 1));
      await ctx.store.aliases.move(move('b', 2, { alias: 'challenger' }));
      await ctx.store.aliases.move(move('other', 1, { modelName: 'adult' }));
      await ctx.store.aliases.move(move('c', 3));
      await ctx.store.aliases.move(move('d', 1));
      const history = await ctx.store.aliases.history('iris');
      expect(history.map((e) => [e.id, e.alias, e.version, e.previousVersion])).toEqual([
        ['a', 'champion', 1, null],
        ['b', 'challenger', 2, null],
        ['c', 'champion', 3, 1],
        ['d', 'champion', 1, 3],
      ]);
      expect(history.map((e) => e.createdAt)).toEqual([...history.map((e) => e.createdAt)].sort((x, y) => x - y));
      expect((await ctx.store.aliases.history('iris', 2)).map((e) => e.id)).toEqual(['c', 'd']);
      expect((await ctx.store.aliases.history('adult')).map((e) => e.id)).toEqual(['other']);
      expect(await ctx.store.aliases.history('none')).toEqual([]);
    });

    it('lists the aliases of one model, or of all, by model then alias', async () => {
      await ctx.store.aliases.move(move('1', 2, { alias: 'champion' }));
      await ctx.store.aliases.move(move('2', 3, { alias: 'challenger' }));
      await ctx.store.aliases.move(move('3', 1, { modelName: 'adult', alias: 'shadow' }));
      await ctx.store.aliases.move(move('4', 7, { modelName: 'adult', alias: 'champion' }));
      const summary = (records: { modelName: string; alias: string; version: number }[]) => records.map((a) => `${a.modelName}@${a.alias}=v${a.version}`);
      expect(summary(await ctx.store.aliases.list('iris'))).toEqual(['iris@challenger=v3', 'iris@champion=v2']);
      expect(summary(await ctx.store.aliases.list())).toEqual(['adult@champion=v7', 'adult@shadow=v1', 'iris@challenger=v3', 'iris@champion=v2']);
      expect(await ctx.store.aliases.list('none')).toEqual([]);
    });

    it('keeps a consistent chain of previous versions under concurrent moves', async () => {
      await ctx.store.aliases.move(move('start', 1));
      await Promise.all([2, 3, 4, 5].map((v) => ctx.store.aliases.move(move(`m${v}`, v))));
      const history = await ctx.store.aliases.history('iris');
      // Each move replaced the version the one before it set.
      for (let i = 1; i < history.length; i++) expect(history[i]?.previousVersion, history[i]?.id).toBe(history[i - 1]?.version);
      expect((await ctx.store.aliases.get('iris', 'champion'))?.version).toBe(history.at(-1)?.version);
    });
  });

  describe(`champion moved only while its version serves [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    /** Records version `v`'s server as serving (the model's current one unless a later one is recorded). */
    const serve = (v: number) =>
      ctx.store.models.recordDeployment({
        id: `iris-v${v}`,
        modelName: 'iris',
        version: v,
        url: `http://127.0.0.1:90${v}0`,
        port: 9000 + v,
        status: 'serving',
      });
    /** Versions 1..count registered; `serving` recorded as serving in that order (the last one serves). */
    const deployed = async (count: number, ...serving: number[]) => {
      for (let v = 1; v <= count; v++) {
        await ctx.store.runs.createRun(newRun(`r${v}`));
        await ctx.store.models.register(model(`r${v}`, { artifactPrefix: `m/${v}` }));
      }
      for (const v of serving) {
        ctx.clock.advance(1000);
        await serve(v);
      }
    };
    const crown = (version: number, eventId = `r${version}/champion`) => ctx.store.aliases.moveWhileServing({ ...move(eventId, version), version });

    it('moves champion to the version that serves, recording the move', async () => {
      await deployed(1, 1);
      const outcome = await crown(1);
      expect(outcome).toEqual({ moved: true, event: expect.objectContaining({ id: 'r1/champion', version: 1, previousVersion: null }) });
      expect(await ctx.store.aliases.get('iris', 'champion')).toMatchObject({ version: 1 });
    });

    it('refuses a version another one was served after, leaving champion, its history and no placeholder behind', async () => {
      // Two promotions at once: v2 served first, then v1's server was recorded and serves.
      await deployed(2, 2, 1);
      expect(await crown(2)).toEqual({ moved: false, servingVersion: 1 });
      expect(await ctx.store.aliases.list('iris')).toEqual([]);
      expect(await crown(1)).toMatchObject({ moved: true });
      expect(await crown(2, 'r2/champion-again')).toEqual({ moved: false, servingVersion: 1 });
      expect(await ctx.store.aliases.get('iris', 'champion')).toMatchObject({ version: 1 });
      expect((await ctx.store.aliases.history('iris')).map((e) => e.id)).toEqual(['r1/champion']);
    });

    it('refuses when nothing serves', async () => {
      await deployed(1);
      expect(await crown(1)).toEqual({ moved: false, servingVersion: null });
      expect(await ctx.store.aliases.get('iris', 'champion')).toBeUndefined();
    });

    it('is idempotent by event id: a retried move that was made reports it, whatever serves now', async () => {
      await deployed(2, 1);
      const first = await crown(1);
      await serve(2);
      expect(await crown(1)).toEqual(first);
      expect(await ctx.store.aliases.get('iris', 'champion')).toMatchObject({ version: 1 });
    });

    it('of promotions crowning at once, only the serving version becomes champion', async () => {
      await deployed(4, 1, 2, 3, 4);
      const outcomes = await Promise.all([1, 2, 3, 4].map((v) => crown(v)));
      expect(outcomes.map((o) => o.moved)).toEqual([false, false, false, true]);
      expect(await ctx.store.aliases.get('iris', 'champion')).toMatchObject({ version: 4 });
    });

    it('of promotions serving and crowning at once, champion ends on the version that serves', async () => {
      await deployed(6);
      const promote = async (v: number) => {
        await serve(v);
        return crown(v);
      };
      const outcomes = await Promise.all([1, 2, 3, 4, 5, 6].map(promote));
      const serving = await ctx.store.models.currentDeployment('iris');
      expect(await ctx.store.aliases.get('iris', 'champion')).toMatchObject({ version: serving!.version });
      expect(outcomes.filter((o) => o.moved).length).toBeGreaterThanOrEqual(1);
    });
  });

  describe(`model versions by artifact [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const runs = async (...ids: string[]) => {
      for (const id of ids) await ctx.store.runs.createRun(newRun(id));
    };

    it('gives a second run registering the same model files the version that holds them', async () => {
      await runs('r1', 'r2');
      const first = await ctx.store.models.register(model('r1'));
      const second = await ctx.store.models.register(model('r2', { metrics: { accuracy: 0.5 } }));
      expect(first).toMatchObject({ version: 1, runId: 'r1', existing: false });
      expect(second).toEqual({ ...first, existing: true });
      expect((await ctx.store.models.list('iris')).map((m) => [m.version, m.runId])).toEqual([[1, 'r1']]);
    });

    it('is still idempotent by run: the holder registering again is not told it is existing', async () => {
      await runs('r1');
      const first = await ctx.store.models.register(model('r1'));
      expect(await ctx.store.models.register(model('r1'))).toEqual(first);
    });

    it('numbers other files, and the same files of another model, as new versions', async () => {
      await runs('r1', 'r2', 'r3');
      await ctx.store.models.register(model('r1'));
      const otherFiles = await ctx.store.models.register(model('r2', { artifactPrefix: 'runs/r2/train/model' }));
      const otherModel = await ctx.store.models.register(model('r3', { modelName: 'adult' }));
      expect(otherFiles).toMatchObject({ modelName: 'iris', version: 2, runId: 'r2', existing: false });
      expect(otherModel).toMatchObject({ modelName: 'adult', version: 1, runId: 'r3', existing: false });
    });

    it('never dedupes a prefix that depends on the version', async () => {
      await runs('r1', 'r2');
      await ctx.store.models.register(model('r1', { artifactPrefix: () => 'models/iris/same' }));
      expect(await ctx.store.models.register(model('r2', { artifactPrefix: () => 'models/iris/same' }))).toMatchObject({ version: 2, existing: false });
    });

    it('finds the version holding an artifact prefix, per model', async () => {
      await runs('r1', 'r2');
      await ctx.store.models.register(model('r1', { artifactPrefix: 'a/1' }));
      await ctx.store.models.register(model('r2', { artifactPrefix: 'a/2' }));
      expect(await ctx.store.models.findByArtifact('iris', 'a/2')).toMatchObject({ version: 2, runId: 'r2', artifactPrefix: 'a/2' });
      expect(await ctx.store.models.findByArtifact('iris', 'a/3')).toBeUndefined();
      expect(await ctx.store.models.findByArtifact('adult', 'a/1')).toBeUndefined();
    });

    it('registers one version when runs with the same model files register at once', async () => {
      await runs('r1', 'r2', 'r3');
      const registered = await Promise.all(['r1', 'r2', 'r3'].map((id) => ctx.store.models.register(model(id))));
      expect(await ctx.store.models.list('iris')).toHaveLength(1);
      expect(new Set(registered.map((m) => m.version))).toEqual(new Set([1]));
      expect(registered.filter((m) => !m.existing)).toHaveLength(1);
    });
  });

  describe(`dataset watch [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const watch = (datasetName: string, n: number) => ({
      datasetName,
      fingerprint: `size=${n}00;mtime=${n}`,
      contentSha256: String(n).repeat(64),
      versionId: `${datasetName}-v${n}`,
    });

    it('has no record before the first check', async () => {
      expect(await ctx.store.datasets.getWatch('iris')).toBeUndefined();
    });

    it('records what the source looked like and when it was checked', async () => {
      const at = ctx.clock.peek();
      await ctx.store.datasets.recordWatch(watch('iris', 1));
      expect(await ctx.store.datasets.getWatch('iris')).toEqual({ ...watch('iris', 1), checkedAt: at });
    });

    it('replaces the record of a dataset on the next check, leaving others alone', async () => {
      await ctx.store.datasets.recordWatch(watch('iris', 1));
      await ctx.store.datasets.recordWatch(watch('adult', 5));
      ctx.clock.advance(60_000);
      const at = ctx.clock.peek();
      await ctx.store.datasets.recordWatch(watch('iris', 2));
      expect(await ctx.store.datasets.getWatch('iris')).toEqual({ ...watch('iris', 2), checkedAt: at });
      expect(await ctx.store.datasets.getWatch('adult')).toMatchObject(watch('adult', 5));
    });
  });

  describe(`runs by trigger [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('stores why a run started and the schedule that started it', async () => {
      const scheduled = await ctx.store.runs.createRun(newRun('s1', { trigger: 'schedule', schedule: 'nightly' }));
      expect(scheduled).toMatchObject({ trigger: 'schedule', schedule: 'nightly' });
      expect(await ctx.store.runs.getRun('s1')).toMatchObject({ trigger: 'schedule', schedule: 'nightly' });
      expect(await ctx.store.runs.createRun(newRun('m1'))).toMatchObject({ trigger: null, schedule: null });
    });

    it('filters runs by trigger and by schedule, alone or with project and status', async () => {
      await ctx.store.runs.createRun(newRun('s1', { trigger: 'schedule', schedule: 'nightly' }));
      await ctx.store.runs.createRun(newRun('s2', { trigger: 'schedule', schedule: 'hourly', status: 'succeeded' }));
      await ctx.store.runs.createRun(newRun('s3', { trigger: 'schedule', schedule: 'nightly', project: 'adult' }));
      await ctx.store.runs.createRun(newRun('d1', { trigger: 'new_data' }));
      await ctx.store.runs.createRun(newRun('m1', { trigger: 'manual' }));
      await ctx.store.runs.createRun(newRun('old'));
      const ids = async (options: Parameters<typeof ctx.store.runs.listRuns>[0]) => (await ctx.store.runs.listRuns(options)).map((r) => r.id);
      expect(await ids({ trigger: 'schedule' })).toEqual(['s3', 's2', 's1']);
      expect(await ids({ trigger: 'new_data' })).toEqual(['d1']);
      expect(await ids({ trigger: 'drift' })).toEqual([]);
      expect(await ids({ schedule: 'nightly' })).toEqual(['s3', 's1']);
      expect(await ids({ schedule: 'nightly', project: 'iris' })).toEqual(['s1']);
      expect(await ids({ trigger: 'schedule', status: 'succeeded' })).toEqual(['s2']);
      expect(await ids({})).toEqual(['old', 'm1', 'd1', 's3', 's2', 's1']);
    });
  });
}
