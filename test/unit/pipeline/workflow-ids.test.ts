import { describe, expect, it } from 'vitest';
import { environmentBuildWorkflowId, newRunId } from '../../../core/pipeline/workflow-ids.js';

describe('newRunId', () => {
  const at = new Date('2026-03-07T09:05:02.789Z');

  it('is <project>-<yyyymmdd>-<hhmmss>-<8 hex> in UTC', () => {
    expect(newRunId('breast-cancer', at, () => 0.5)).toBe('breast-cancer-20260307-090502-80000000');
  });

  it.each([
    [0, '00000000'],
    [1 / 2 ** 32, '00000001'],
    [1 / 65536, '00010000'],
    [1 - 2 ** -40, 'ffffffff'],
  ])('pads the random suffix to eight hex digits (random = %d)', (random, suffix) => {
    expect(newRunId('p', at, () => random)).toBe(`p-20260307-090502-${suffix}`);
  });

  it('matches the documented shape with the default random source', () => {
    expect(newRunId('iris', new Date())).toMatch(/^iris-\d{8}-\d{6}-[0-9a-f]{8}$/);
  });

  it('gives a thousand starts in one second a thousand ids', () => {
    expect(new Set(Array.from({ length: 1000 }, () => newRunId('iris', at))).size).toBe(1000);
  });
});

describe('environmentBuildWorkflowId', () => {
  const digest = 'a3f1c2'.padEnd(64, '0');

  it('is the same for the same digest and queue, so a build is started once', () => {
    expect(environmentBuildWorkflowId(digest, 'kiln')).toBe(environmentBuildWorkflowId(digest, 'kiln'));
  });

  it('is env-build-, the first 16 hex digits of the digest, and the task queue', () => {
    expect(environmentBuildWorkflowId(digest, 'kiln')).toBe(`env-build-${digest.slice(0, 16)}-kiln`);
  });

  it('differs for digests that differ within the first 16 digits', () => {
    expect(environmentBuildWorkflowId('b'.repeat(64), 'kiln')).not.toBe(environmentBuildWorkflowId('c'.repeat(64), 'kiln'));
  });

  // Two deployments sharing a namespace: each builds where its own workers run the stages.
  it('differs for the same digest on another task queue', () => {
    expect(environmentBuildWorkflowId(digest, 'kiln')).not.toBe(environmentBuildWorkflowId(digest, 'kiln-staging'));
  });
});
