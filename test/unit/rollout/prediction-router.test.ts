import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PredictionRouter } from '../../../api/prediction-router.js';
import { challengerTakes } from '../../../core/rollout/traffic-split.js';
import { modelServerStandIn, type StandIn } from '../../support/model-server-stand-in.js';
import { registerVersions, useScratchRegistry } from '../../support/scratch-registry.js';

const modelServer = modelServerStandIn;

const classOne = (instances: unknown[]) => ({ status: 200, body: { predictions: instances.map(() => 1), prediction_ids: instances.map((_, i) => `x-${i}`) } });
const classZero = (instances: unknown[]) => ({ status: 200, body: { predictions: instances.map(() => 0) } });
const broken = () => ({ status: 500, body: { error: 'model exploded' } });

const scratch = useScratchRegistry('router');
let servers: StandIn[] = [];
let router: PredictionRouter;
let modelCount = 0;

beforeEach(() => {
  router = new PredictionRouter(scratch.metadata, { flushEveryMs: 60_000 });
});
afterEach(async () => {
  await router.close();
  for (const s of servers) s.server.close();
  servers = [];
});

/** Registers versions 1..`versions` of a new model (deployments name a registered version). */
async function newModel(versions: number): Promise<string> {
  const modelName = `m${++modelCount}`;
  await registerVersions(
    scratch.metadata,
    modelName,
    Array.from({ length: versions }, (_, i) => i + 1),
  );
  return modelName;
}

/** A new model with `versions` versions, `version` serving from `server`. */
async function servedBy(server: StandIn, versions: number, version: number): Promise<string> {
  servers.push(server);
  const modelName = await newModel(versions);
  await scratch.metadata.models.recordDeployment({ id: `${modelName}-v${version}`, modelName, version, url: server.url, port: 0, status: 'serving' });
  return modelName;
}

/** A model whose v1 serves from `champion`, with a running rollout of v2 on `challenger`. */
async function rolloutOf(champion: StandIn, challenger: StandIn, spec: { strategy: 'canary'; percent: number } | { strategy: 'shadow' }) {
  servers.push(challenger);
  const modelName = await servedBy(champion, 2, 1);
  const full = spec.strategy === 'canary' ? { ...spec, duration: '10m', max_error_rate: 0.01, max_p95_ms: 50 } : { ...spec, duration: '10m' };
  const rollout = await scratch.metadata.rollouts.create({
    id: `rollout-${modelName}/r1`,
    modelName,
    championVersion: 1,
    challengerVersion: 2,
    spec: full,
    startedBy: 'test',
  });
  await scratch.metadata.rollouts.markRunning(rollout.id, challenger.url);
  return { modelName, rolloutId: rollout.id };
}

const keys = Array.from({ length: 400 }, (_, i) => `request-${i}`);

describe('PredictionRouter routes', () => {
  it("reads a model's route from the registry once a second, not once per prediction", async () => {
    const champion = await modelServer(classOne);
    const modelName = await servedBy(champion, 1, 1);
    const lookups = vi.spyOn(scratch.metadata.models, 'currentDeployment');
    try {
      await Promise.all(Array.from({ length: 50 }, () => router.predict(modelName, { instances: [[1]] })));
      expect(champion.requests).toBe(50);
      expect(lookups.mock.calls.filter(([name]) => name === modelName)).toHaveLength(1);
    } finally {
      lookups.mockRestore();
    }
  });

  it('follows a version swapped in since the route was read: the old server refusing sends the request to the new one at once', async () => {
    const old = await modelServer(classZero);
    const fresh = await modelServer(classOne);
    servers.push(fresh);
    const modelName = await newModel(2);
    await scratch.metadata.models.recordDeployment({ id: `${modelName}-v1`, modelName, version: 1, url: old.url, port: 0, status: 'serving' });
    expect(await router.predict(modelName, { instances: [[1]] })).toMatchObject({ version: 1, predictions: [0] });
    await scratch.metadata.models.markDeploymentStopped(`${modelName}-v1`, 'stopped');
    await scratch.metadata.models.recordDeployment({ id: `${modelName}-v2`, modelName, version: 2, url: fresh.url, port: 0, status: 'serving' });
    await new Promise<void>((r) => old.server.close(() => r()));
    expect(await router.predict(modelName, { instances: [[1]] })).toMatchObject({ version: 2, predictions: [1] });
  });
});

describe('PredictionRouter during a canary', () => {
  it('sends the keys the split picks to the challenger, the rest to the champion, and says which answered', async () => {
    const champion = await modelServer(classOne);
    const challenger = await modelServer(classZero);
    const { modelName, rolloutId } = await rolloutOf(champion, challenger, { strategy: 'canary', percent: 20 });
    const answers = [];
    for (const key of keys) answers.push(await router.predict(modelName, { instances: [[1, 2]] }, key));
    const expected = keys.filter((k) => challengerTakes(k, 20)).length;
    expect(answers.filter((a) => a.version === 2)).toHaveLength(expected);
    expect(answers.filter((a) => a.version === 2).every((a) => (a.predictions as number[])[0] === 0)).toBe(true);
    expect(challenger.requests).toBe(expected);
    expect(champion.requests).toBe(keys.length - expected);
    // The split is about the percent asked for.
    expect(expected / keys.length).toBeGreaterThan(0.14);
    expect(expected / keys.length).toBeLessThan(0.26);
    await router.flush();
    expect((await scratch.metadata.rollouts.traffic(rolloutId, 2)).requests).toBe(expected);
    expect((await scratch.metadata.rollouts.traffic(rolloutId, 1)).predictions).toEqual({ '1': keys.length - expected });
  });

  it('retries a request the challenger fails on the champion, so no caller sees it, and counts the error against the challenger', async () => {
    const champion = await modelServer(classOne);
    const challenger = await modelServer(broken);
    const { modelName, rolloutId } = await rolloutOf(champion, challenger, { strategy: 'canary', percent: 50 });
    const answers = await Promise.all(keys.slice(0, 100).map((key) => router.predict(modelName, { instances: [[1]] }, key)));
    expect(answers.every((a) => a.version === 1 && (a.predictions as number[])[0] === 1)).toBe(true);
    const sent = keys.slice(0, 100).filter((k) => challengerTakes(k, 50)).length;
    await router.flush();
    const traffic = await scratch.metadata.rollouts.traffic(rolloutId, 2);
    expect(traffic).toMatchObject({ requests: sent, errors: sent });
    expect(champion.requests).toBe(100);
  });

  it('retries on the champion when the challenger does not answer at all', async () => {
    const champion = await modelServer(classOne);
    const gone = await modelServer(classZero);
    gone.server.close();
    const { modelName } = await rolloutOf(champion, gone, { strategy: 'canary', percent: 99 });
    const answer = await router.predict(
      modelName,
      { instances: [[1]] },
      keys.find((k) => challengerTakes(k, 99)),
    );
    expect(answer).toMatchObject({ version: 1, predictions: [1] });
  });
});

describe('PredictionRouter during a shadow', () => {
  it('answers every request from the champion, copies it to the challenger, never returns the copy and counts agreement', async () => {
    const champion = await modelServer(classOne);
    const challenger = await modelServer((instances) => (instances[0] === 'odd' ? classZero(instances) : classOne(instances)));
    const { modelName, rolloutId } = await rolloutOf(champion, challenger, { strategy: 'shadow' });
    const inputs = ['even', 'odd', 'even', 'even'];
    const answers = [];
    for (const x of inputs) answers.push(await router.predict(modelName, { instances: [x] }));
    expect(answers.map((a) => [a.version, (a.predictions as number[])[0]])).toEqual(inputs.map(() => [1, 1]));
    // The copies are sent in the background.
    for (let i = 0; i < 50 && challenger.requests < inputs.length; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 20));
    expect(challenger.requests).toBe(inputs.length);
    await router.flush();
    expect(await scratch.metadata.rollouts.traffic(rolloutId, 2)).toMatchObject({ requests: 4, errors: 0, compared: 4, agreed: 3 });
  });
});

describe('PredictionRouter without a rollout', () => {
  it('routes to the serving version and reports it', async () => {
    const champion = await modelServer(classOne);
    const modelName = await servedBy(champion, 4, 4);
    expect(await router.predict(modelName, { instances: [[1]] })).toMatchObject({ model: modelName, version: 4, predictions: [1] });
  });

  it('passes the body on as sent and answers the server’s JSON with model and version in front', async () => {
    let received = '';
    const champion = await modelServer(classOne);
    champion.server.prependListener('request', (req) => req.on('data', (chunk: Buffer) => (received += chunk)));
    const modelName = await servedBy(champion, 2, 2);
    const body = '{ "instances": [[1.50, 2e3]] }';
    const answer = await router.predictJson(modelName, body);
    expect(received).toBe(body);
    expect(answer).toBe(`{"model":"${modelName}","version":2,"predictions":[1],"prediction_ids":["x-0"]}`);
  });

  it('answers model and version when the server answers an empty object', async () => {
    const empty = await modelServer(() => ({ status: 200, body: {} }));
    const modelName = await servedBy(empty, 1, 1);
    expect(JSON.parse(await router.predictJson(modelName, '{"instances":[[1]]}'))).toEqual({ model: modelName, version: 1 });
  });

  it('stops routing to the challenger once the rollout has ended', async () => {
    const champion = await modelServer(classOne);
    const challenger = await modelServer(classZero);
    const { modelName, rolloutId } = await rolloutOf(champion, challenger, { strategy: 'canary', percent: 99 });
    await scratch.metadata.rollouts.end(rolloutId, 'rolled_back', 'test');
    await Promise.all(keys.slice(0, 20).map((key) => router.predict(modelName, { instances: [[1]] }, key)));
    expect(challenger.requests).toBe(0);
  });
});
