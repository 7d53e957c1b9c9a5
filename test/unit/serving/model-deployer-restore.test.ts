import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../../core/metadata/model-records.js';
import { ModelDeployer, type ModelDeployerDeps } from '../../../core/serving/model-deployer.js';

const home = mkdtempSync(join(tmpdir(), 'kiln-restore-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const deployment = (over: Partial<DeploymentRecord>): DeploymentRecord => ({
  id: 'iris-v3',
  modelName: 'iris',
  version: 3,
  url: 'http://kiln-model-iris.kiln.svc:8080',
  port: 8080,
  pid: null,
  status: 'serving',
  startedAt: 0,
  stoppedAt: null,
  ...over,
});

/** A registry holding `deployments`, recording every write and every model it is asked to resolve. */
function deps(deployments: DeploymentRecord[], candidates: DeploymentRecord[] = []) {
  const calls: string[] = [];
  const metadata = {
    models: {
      listServingDeployments: async () => deployments,
      listCandidateDeployments: async () => candidates,
      markDeploymentStopped: async (id: string, status: string) => void calls.push(`markDeploymentStopped ${id} ${status}`),
      recordDeployment: async (d: DeploymentRecord) => void calls.push(`recordDeployment ${d.id}`),
      get: async (name: string, version: number) => void calls.push(`resolve ${name} v${version}`),
    },
  };
  return { deps: { metadata, artifacts: {}, environments: {}, home, sdkDir: '/nowhere' } as unknown as ModelDeployerDeps, calls };
}

describe('restoring serving deployments at start-up', () => {
  it('never relaunches a cluster deployment (no pid) as a local process, and never marks it failed', async () => {
    const { deps: d, calls } = deps([deployment({})]);
    expect(await new ModelDeployer(d).restoreAll()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('still tries to relaunch a local deployment whose server is gone', async () => {
    const { deps: d, calls } = deps([deployment({ url: 'http://127.0.0.1:9', port: 9, pid: 2 ** 22 + 1 })]);
    expect(await new ModelDeployer(d).restoreAll()).toEqual([]);
    // The fake registry cannot resolve the model, so the relaunch fails and is recorded as such.
    expect(calls).toEqual(['resolve iris v3', 'markDeploymentStopped iris-v3 failed']);
  });

  it('stops no process it did not start (no server.json here)', async () => {
    const { deps: d, calls } = deps([deployment({ url: 'http://127.0.0.1:9', port: 9, pid: process.pid })]);
    await new ModelDeployer(d).stopAll();
    expect(calls).toEqual([]);
  });

  it('stops no rollout candidate it did not start, and keeps its record', async () => {
    const candidate = deployment({ id: 'iris-v4-candidate', version: 4, status: 'starting', url: 'http://127.0.0.1:9', port: 9, pid: process.pid });
    const { deps: d, calls } = deps([], [candidate]);
    await new ModelDeployer(d).stopAll();
    expect(calls).toEqual([]);
  });
});
