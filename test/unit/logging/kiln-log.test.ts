import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.js';
import { createKilnLog, errorFields } from '../../../core/logging/kiln-log.js';
import { temporalLogger } from '../../../core/logging/temporal-log.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const lines = () => chunks.join('').split('\n').filter(Boolean);
  return { stream, lines, json: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('Kiln logger', () => {
  it('writes one JSON object a line with level, ISO time, service and the fields given', () => {
    const out = capture();
    const log = createKilnLog({ destination: out.stream });
    log.child({ run_id: 'r-1', stage: 'train', attempt: 2 }).info({ duration_ms: 12 }, 'stage succeeded');
    const [line] = out.json();
    expect(line).toMatchObject({ level: 30, service: 'kiln', run_id: 'r-1', stage: 'train', attempt: 2, duration_ms: 12, msg: 'stage succeeded' });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it('writes readable lines at the level asked; config takes both from KILN_LOG_FORMAT and KILN_LOG_LEVEL, naming a bad value', () => {
    const pretty = capture();
    const readable = createKilnLog({ destination: pretty.stream, format: 'pretty', level: 'warn' });
    readable.info('hidden');
    readable.warn({ run_id: 'r-2' }, 'shown');
    expect(pretty.lines().join('\n')).toMatch(/WARN.*shown/);
    expect(pretty.lines().join('\n')).not.toContain('hidden');
    expect(() => JSON.parse(pretty.lines()[0]!)).toThrow();
    const fallback = capture();
    createKilnLog({ destination: fallback.stream }).debug('not at info');
    expect(fallback.lines()).toEqual([]);
    expect(loadConfig({}, { KILN_LOG_FORMAT: 'pretty', KILN_LOG_LEVEL: 'debug' }).log).toEqual({ format: 'pretty', level: 'debug' });
    expect(loadConfig({}, {}).log).toEqual({ format: undefined, level: undefined });
    expect(() => loadConfig({}, { KILN_LOG_LEVEL: 'loud' })).toThrow(
      'KILN_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
  });

  it('logs an error by its type and message only', () => {
    expect(errorFields(Object.assign(new Error('disk full'), { name: 'StoreError' }))).toEqual({ err: { type: 'StoreError', message: 'disk full' } });
    expect(errorFields('boom')).toEqual({ err: { type: 'string', message: 'boom' } });
  });
});

describe('Temporal SDK logs through Kiln logger', () => {
  it("passes workflow and activity lines at the logger's level with Kiln field names, and the worker's chatter from WARN up", () => {
    const out = capture();
    const temporal = temporalLogger(createKilnLog({ destination: out.stream, level: 'debug' }));
    temporal.info('Activity completed', {
      sdkComponent: 'activity',
      workflowId: 'run-9',
      activityType: 'runStage',
      attempt: 1,
      taskQueue: 'q',
      taskToken: 'Ci…',
    });
    temporal.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    temporal.debug('core chatter', { sdkComponent: 'core' });
    temporal.warn('Worker poll failed', { sdkComponent: 'worker' });
    temporal.log('ERROR', 'Workflow failed', { sdkComponent: 'workflow', workflowId: 'run-9', runId: 'abc' });
    expect(out.json().map((l) => [l.level, l.msg])).toEqual([
      [30, 'Activity completed'],
      [40, 'Worker poll failed'],
      [50, 'Workflow failed'],
    ]);
    expect(out.json()[0]).toMatchObject({
      component: 'temporal',
      sdk_component: 'activity',
      workflow_id: 'run-9',
      activity_type: 'runStage',
      attempt: 1,
      task_queue: 'q',
    });
    expect(out.json()[0]).not.toHaveProperty('taskToken');
    expect(out.json()[2]).toMatchObject({ component: 'temporal', sdk_component: 'workflow', workflow_id: 'run-9', temporal_run_id: 'abc' });
  });
});
