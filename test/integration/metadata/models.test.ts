import { describe, expect, it } from 'vitest';
import type { NewModelVersion } from '../../../core/metadata/models-repository.js';
import { DIALECTS, useFreshStore } from './dialects.js';
import { newRun } from './fixtures.js';
import { candidateDeploymentId } from '../../../core/serving/candidate-id.js';

function model(runId: string, overrides: Partial<NewModelVersion> = {}): NewModelVersion {
  const run = newRun(runId);
  return {
    modelName: 'iris',
    runId,
    datasetVersion: 'iris-v1',
    environmentDigest: 'e'.repeat(64),
    sourceDigest: 's'.repeat(64),
    params: run.params,
    metrics: { accuracy: 0.95, f1: 0.9 },
    artifactPrefix: (version) => `models/iris/v${version}`,
    ...overrides,
  };
}

for (const dialect of DIALECTS) {
  describe(`model versions [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const runs = async (...ids: string[]) => {
      for (const id of ids) await ctx.store.runs.createRun(newRun(id));
    };

    it('numbers versions per model, from 1, with lineage round-tripped', async () => {
      await runs('r1', 'r2', 'r3');
      const v1 = await ctx.store.models.register(model('r1'));
      const v2 = await ctx.store.models.register(model('r2'));
      const other = await ctx.store.models.register(model('r3', { modelName: 'adult', artifactPrefix: 'models/adult/fixed' }));
      expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
      expect(v2).toMatchObject({
        runId: 'r2',
        status: 'registered',
        artifactPrefix: 'models/iris/v2',
        metrics: { accuracy: 0.95, f1: 0.9 },
        params: newRun('r2').params,
        datasetVersion: 'iris-v1',
      });
      expect(other.artifactPrefix).toBe('models/adult/fixed');
    });

    it('is idempotent by run: registering a run again returns its version', async () => {
      await runs('r1', 'r2');
      const first = await ctx.store.models.register(model('r1'));
      await ctx.store.models.register(model('r2'));
      const again = await ctx.store.models.register(model('r1', { metrics: { accuracy: 0 } }));
      expect(again).toEqual(first);
      expect(await ctx.store.models.list('iris')).toHaveLength(2);
    });

    it('assigns distinct versions to concurrent registrations', async () => {
      const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
      await runs(...ids);
      const registered = await Promise.all([...ids, 'r1', 'r3'].map((id) => ctx.store.models.register(model(id))));
      expect(new Set(registered.slice(0, 5).map((m) => m.version))).toEqual(new Set([1, 2, 3, 4, 5]));
      expect(registered[5]?.version).toBe(registered[0]?.version);
      expect(registered[6]?.version).toBe(registered[2]?.version);
    });

    it('gets, finds the latest, lists and changes status', async () => {
      await runs('r1', 'r2', 'r3');
      await ctx.store.models.register(model('r1'));
      await ctx.store.models.register(model('r2'));
      await ctx.store.models.register(model('r3', { modelName: 'adult' }));
      expect((await ctx.store.models.get('iris', 1))?.runId).toBe('r1');
      expect(await ctx.store.models.get('iris', 9)).toBeUndefined();
      expect((await ctx.store.models.latest('iris'))?.version).toBe(2);
      expect(await ctx.store.models.latest('none')).toBeUndefined();
      expect((await ctx.store.models.list()).map((m) => `${m.modelName}:${m.version}`)).toEqual(['adult:1', 'iris:2', 'iris:1']);
      await ctx.store.models.setStatus('iris', 2, 'serving');
      expect((await ctx.store.models.get('iris', 2))?.status).toBe('serving');
    });

    it('keeps one serving version: the later of two promotions archives the other', async () => {
      await runs('r1', 'r2', 'r3');
      for (const id of ['r1', 'r2', 'r3']) await ctx.store.models.register(model(id));
      await ctx.store.models.setServingVersion('iris', 1);
      await ctx.store.models.setStatus('iris', 2, 'serving');
      await ctx.store.models.setServingVersion('iris', 3);
      const statuses = (await ctx.store.models.list('iris')).map((m) => `${m.version}:${m.status}`);
      expect(statuses).toEqual(['3:serving', '2:archived', '1:archived']);
    });

    it('rejects a version of an unknown run', async () => {
      await expect(ctx.store.models.register(model('ghost'))).rejects.toThrow();
    });
  });

  describe(`deployments [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const deployment = (version: number) => ({
      id: `iris-v${version}`,
      modelName: 'iris',
      version,
      url: `http://127.0.0.1:90${version}0`,
      port: 9000 + version * 10,
      pid: 4000 + version,
    });

    const registerVersions = async (count: number) => {
      for (let i = 1; i <= count; i++) {
        await ctx.store.runs.createRun(newRun(`r${i}`));
        await ctx.store.models.register({ modelName: 'iris', runId: `r${i}`, params: newRun(`r${i}`).params, metrics: {}, artifactPrefix: `m/${i}` });
      }
    };

    it('records a deployment as starting unless told otherwise', async () => {
      await registerVersions(1);
      const recorded = await ctx.store.models.recordDeployment(deployment(1));
      expect(recorded).toMatchObject({ ...deployment(1), status: 'starting', stoppedAt: null, startedAt: expect.any(Number) });
      expect(await ctx.store.models.currentDeployment('iris')).toBeUndefined();
    });

    it('serves the latest serving deployment and stops the old one', async () => {
      await registerVersions(2);
      await ctx.store.models.recordDeployment({ ...deployment(1), status: 'serving' });
      await ctx.store.models.recordDeployment({ ...deployment(2), status: 'serving' });
      expect((await ctx.store.models.currentDeployment('iris'))?.id).toBe('iris-v2');
      expect((await ctx.store.models.listServingDeployments()).map((d) => d.id)).toEqual(['iris-v1', 'iris-v2']);
      await ctx.store.models.markDeploymentStopped('iris-v2');
      expect((await ctx.store.models.currentDeployment('iris'))?.id).toBe('iris-v1');
      await ctx.store.models.markDeploymentStopped('iris-v1', 'failed');
      expect(await ctx.store.models.currentDeployment('iris')).toBeUndefined();
      expect(await ctx.store.models.listServingDeployments()).toEqual([]);
    });

    it('replaces a deployment recorded again under the same id', async () => {
      await registerVersions(1);
      await ctx.store.models.recordDeployment({ ...deployment(1), status: 'serving' });
      await ctx.store.models.markDeploymentStopped('iris-v1');
      const restarted = await ctx.store.models.recordDeployment({ ...deployment(1), pid: 777, status: 'serving' });
      expect(restarted).toMatchObject({ pid: 777, status: 'serving', stoppedAt: null });
      expect(await ctx.store.models.listServingDeployments()).toHaveLength(1);
    });

    it('rolls back to the version served before, never to a rollout candidate that was stopped', async () => {
      await registerVersions(3);
      await ctx.store.models.recordDeployment({ ...deployment(1), status: 'serving' });
      await ctx.store.models.markDeploymentStopped('iris-v1');
      await ctx.store.models.recordDeployment({ ...deployment(2), status: 'serving' });
      // v3's canary beside v2 was rolled back: its candidate server stopped after v1's did.
      await ctx.store.models.recordDeployment({ ...deployment(3), id: candidateDeploymentId('iris', 3) });
      await ctx.store.models.markDeploymentStopped(candidateDeploymentId('iris', 3));
      expect((await ctx.store.models.previousDeployment('iris'))?.id).toBe('iris-v1');
    });

    it('rejects a deployment of an unregistered version', async () => {
      await expect(ctx.store.models.recordDeployment(deployment(3))).rejects.toThrow();
    });
  });
}
