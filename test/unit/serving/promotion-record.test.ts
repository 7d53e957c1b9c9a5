import { describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../../core/metadata/metadata-store.js';
import type { DeploymentRecord } from '../../../core/metadata/model-records.js';
import { retireSupersededDeployments } from '../../../core/serving/promotion-record.js';

const deployment = (id: string, version: number, over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id,
  modelName: 'breast-cancer',
  version,
  url: `http://127.0.0.1:${9000 + version}`,
  port: 9000 + version,
  pid: 1000 + version,
  status: 'serving',
  startedAt: version,
  stoppedAt: null,
  ...over,
});

/** A registry whose serving deployments are `serving` (the newest last); records the writes. */
function registry(serving: DeploymentRecord[]) {
  const calls: string[] = [];
  const metadata = {
    models: {
      currentDeployment: async (name: string) => serving.filter((d) => d.modelName === name).at(-1),
      listServingDeployments: async () => serving,
      markDeploymentStopped: async (id: string) => void calls.push(`stopped ${id}`),
      setServingVersion: async (name: string, version: number) => void calls.push(`serving ${name} v${version}`),
    },
  } as unknown as MetadataStore;
  return { metadata, calls };
}

describe('two promotions of one model that ran at once', () => {
  it('leave one server: the one recorded last serves, the other is stopped and recorded so', async () => {
    // Runs 1 and 2 passed their gates together: each saw nothing serving and started a server.
    const other = deployment('iris-v1', 1, { modelName: 'iris' });
    const { metadata, calls } = registry([deployment('breast-cancer-v1', 1), other, deployment('breast-cancer-v2', 2)]);
    const stopped: string[] = [];
    const current = await retireSupersededDeployments(metadata, 'breast-cancer', (d) => stopped.push(`${d.id} pid ${d.pid}`));
    expect(current?.id).toBe('breast-cancer-v2');
    expect(stopped).toEqual(['breast-cancer-v1 pid 1001']);
    expect(calls).toEqual(['stopped breast-cancer-v1', 'serving breast-cancer v2']);
  });

  it('change nothing when one deployment serves', async () => {
    const { metadata, calls } = registry([deployment('breast-cancer-v2', 2)]);
    const stopped: string[] = [];
    expect((await retireSupersededDeployments(metadata, 'breast-cancer', (d) => stopped.push(d.id)))?.id).toBe('breast-cancer-v2');
    expect([...stopped, ...calls]).toEqual([]);
  });
});
