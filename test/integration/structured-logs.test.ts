/**
 * Structured logs from a real worker: a run on the embedded stack (real Temporal, real stage
 * processes) writes JSON lines that name its run, stage and attempt, and the Temporal SDK's own
 * lines (a failed activity attempt) come through the same logger.
 */
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { createKilnLog, useKilnLog } from '../../core/logging/kiln-log.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
const lines: Record<string, unknown>[] = [];
const fixture = join(import.meta.dirname, '..', 'fixtures', 'sleepy');

beforeAll(async () => {
  ({ stack, client } = await startTestStack('structured-logs'));
  const out = new PassThrough();
  let pending = '';
  out.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString('utf8')).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  useKilnLog(createKilnLog({ destination: out, format: 'json', level: 'info' }));
  await applySpecFile(client, readSpecFile(join(fixture, 'kiln.json')));
});
afterAll(async () => stack?.stop());

describe('structured logs', () => {
  it("name each stage attempt's run, stage and attempt; the SDK's lines come through the same logger", async () => {
    const ok = await runToEnd(client, { project: 'sleepy', cache: false }, 90_000);
    expect(ok.status).toBe('succeeded');
    const ofRun = (runId: string) => lines.filter((l) => l.run_id === runId);
    expect(ofRun(ok.runId).map((l) => [l.stage, l.attempt, l.msg])).toEqual([
      ['train', 1, 'stage started'],
      ['train', 1, 'stage succeeded'],
      ['evaluate', 1, 'stage started'],
      ['evaluate', 1, 'stage succeeded'],
    ]);
    expect(ofRun(ok.runId)[1]).toMatchObject({ level: 30, service: 'kiln', project: 'sleepy', duration_ms: expect.any(Number) });

    const failed = await runToEnd(client, { project: 'sleepy', cache: false, params: { extras: { fail: true } } }, 90_000);
    expect(failed.status).toBe('failed');
    const failure = ofRun(failed.runId).find((l) => l.msg === 'stage failed');
    expect(failure).toMatchObject({ level: 40, stage: 'train', attempt: 1, exit_code: expect.any(Number), failure_class: 'user_code_error' });
    // The SDK's warning for the failed attempt, with the run's workflow id, through Kiln's logger.
    expect(lines.find((l) => l.component === 'temporal' && l.msg === 'Activity failed' && l.workflow_id === failed.runId)).toMatchObject({
      level: 40,
      activity_type: 'runStage',
      attempt: 1,
      temporal_run_id: expect.any(String),
    });
  });
});
