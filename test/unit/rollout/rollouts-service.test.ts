import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { RolloutsService } from '../../../api/rollouts-service.js';
import { ConflictError, NotFoundError, SpecValidationError } from '../../../core/errors.js';
import { registerVersions, useScratchRegistry } from '../../support/scratch-registry.js';

const scratch = useScratchRegistry('rollouts-service');
/** What the service asked Temporal to start; `busy` makes the next start find one running. */
const started: { type: string; options: Record<string, unknown> }[] = [];
let busy = false;
const temporal = {
  workflow: {
    start: async (type: string, options: Record<string, unknown>) => {
      if (busy) throw new WorkflowExecutionAlreadyStartedError('running', String(options.workflowId), type);
      started.push({ type, options });
    },
  },
} as unknown as Client;
let service: RolloutsService;

beforeAll(async () => {
  service = new RolloutsService({ temporal, metadata: scratch.metadata, taskQueue: 'q' });
  await registerVersions(scratch.metadata, 'iris', [1, 2]);
  await scratch.metadata.models.recordDeployment({ id: 'iris-v1', modelName: 'iris', version: 1, url: 'http://127.0.0.1:9', port: 9, status: 'serving' });
});

const canary = { strategy: 'canary', percent: 20, duration: '10m' };

describe('RolloutsService.start', () => {
  it('starts one rollout workflow per model with the champion, the challenger and the duration in ms', async () => {
    const answer = await service.start('iris', { version: 2, rollout: canary, by: 'user:alice' });
    expect(answer).toEqual({ model: 'iris', workflow_id: 'rollout-iris', strategy: 'canary', champion_version: 1, challenger_version: 2 });
    expect(started.at(-1)).toMatchObject({
      type: 'rolloutWorkflow',
      options: { workflowId: 'rollout-iris', args: [{ modelName: 'iris', championVersion: 1, challengerVersion: 2, observeMs: 600_000, actor: 'user:alice' }] },
    });
  });

  it.each([
    ['a percent over 99', { version: 2, rollout: { ...canary, percent: 100 } }, 'rollout.percent'],
    ['a percent under 1', { version: 2, rollout: { ...canary, percent: 0 } }, 'rollout.percent'],
    ['no version', { rollout: canary }, 'version'],
    ['an unknown strategy', { version: 2, rollout: { strategy: 'big-bang' } }, 'rollout.strategy'],
  ])('refuses %s naming the field, and starts nothing', async (_label, body, path) => {
    const before = started.length;
    const error = await service.start('iris', body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems[0]?.path).toBe(path);
    expect(started).toHaveLength(before);
  });

  it('answers 404 for an unknown model or version', async () => {
    await expect(service.start('nope', { version: 1, rollout: canary })).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.start('iris', { version: 9, rollout: canary })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 409 for the version already serving and while a rollout runs', async () => {
    await expect(service.start('iris', { version: 1, rollout: canary })).rejects.toBeInstanceOf(ConflictError);
    busy = true;
    await expect(service.start('iris', { version: 2, rollout: canary })).rejects.toBeInstanceOf(ConflictError);
    busy = false;
    await scratch.metadata.rollouts.create({
      id: 'rollout-iris/x',
      modelName: 'iris',
      championVersion: 1,
      challengerVersion: 2,
      spec: { strategy: 'shadow', duration: '10m' },
      startedBy: 't',
    });
    await expect(service.start('iris', { version: 2, rollout: canary })).rejects.toThrow('a rollout of iris (v2) is already running');
  });

  it('shows the open rollout with the challenger numbers', async () => {
    await scratch.metadata.rollouts.markRunning('rollout-iris/x', 'http://127.0.0.1:10');
    expect(await service.current('iris')).toMatchObject({
      status: 'running',
      strategy: 'shadow',
      challenger_version: 2,
      challenger: { requests: 0, p95Ms: null },
    });
    await expect(service.current('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});
