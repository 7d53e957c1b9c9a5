import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CONTRACT_ENV as E } from '../../core/runner/run-contract.js';
import { answerOf, startServe, TEST_PYTHON, TOY_PROJECT, type ServeProcess } from '../support/python-model-server.js';

const _TOY = TOY_PROJECT;
const _PYTHON = TEST_PYTHON;
type Server = ServeProcess;

describe('python SDK model server', () => {
  const modelDir = mkdtempSync(join(tmpdir(), 'kiln-serve-'));
  let server: Server & { port: number };
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const post = async (body: string) => {
    const res = await fetch(url('/predict'), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    // The toy model's saved form (see sdk/python/tests/fixtures/toy/toy_model.py): class means.
    writeFileSync(join(modelDir, 'toy.json'), JSON.stringify({ means: { '0': [0, 0], '1': [10, 10] }, features: ['a', 'b'] }));
    server = await startServe({ [E.entrypoint]: 'toy_model.py:ToyModel', [E.modelDir]: modelDir, [E.servePort]: '0' });
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('answers /health and /predict for list and object instances', async () => {
    const health = await fetch(url('/health'));
    expect(health.status).toBe(200);
    // No KILN_PREDICTION_LOG_DIR here: ids are given, nothing is logged.
    expect(await health.json()).toEqual({
      status: 'ok',
      model_dir: modelDir,
      prediction_log: { logged: 0, sampled_out: 0, rate_limited: 0, dropped: 0 },
      server: { worker: 0, pid: expect.any(Number), in_flight: 0, overloaded: 0, many_requests: 0, requests: 0, instances: 0, predict_calls: 0 },
    });
    expect(
      await post(
        JSON.stringify({
          instances: [
            [1, 0],
            [9, 11],
          ],
        }),
      ),
    ).toEqual({ status: 200, body: answerOf([0, 1]) });
    expect(await post(JSON.stringify({ instances: [{ a: 10, b: 8 }] }))).toEqual({ status: 200, body: answerOf([1]) });
  });

  it('answers bad input with 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['{not json', 'body: invalid JSON'],
      ['[1, 2]', 'body: expected a JSON object'],
      ['{"rows": [[1, 2]]}', 'instances: required'],
      ['{"instances": []}', 'instances: expected a non-empty list'],
      ['{"instances": [[1, 2], 3]}', 'instances[1]: expected a list or an object'],
      ['{"instances": [[1, 2, 3]]}', 'instances[0]: expected 2 values, got 3'],
      ['{"instances": [{"a": 1}]}', 'instances[0].b: required'],
      ['{"instances": [[1, "x"]]}', 'instances[0][1]: expected number'],
      ['{"instances": [[NaN, 1]]}', 'body: invalid JSON'],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(String(res.body.error), body).toContain(message);
    }
    expect((await fetch(url('/nowhere'))).status).toBe(404);
  });

  it('exits 0 on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout).toContain('kiln: server stopped');
  });

  it('exits 2 naming the variable when the model directory is not given', async () => {
    const failed = await startServe({ [E.entrypoint]: 'toy_model.py:ToyModel' }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain(`kiln: ${E.modelDir}: required environment variable is not set`);
  });
});
