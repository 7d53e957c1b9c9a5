import { describe, expect, it } from 'vitest';
import { idleVerdict } from '../../../core/workspaces/idle-verdict.js';

const MIN = 60_000;
const base = { now: 100 * MIN, runningSince: 60 * MIN, alive: true, idleTimeoutMs: 30 * MIN };

describe('idleVerdict', () => {
  it.each([
    ['active a minute ago', { lastActivityMs: 99 * MIN }, null],
    ['idle for exactly idle_timeout', { lastActivityMs: 70 * MIN }, 'idle for 30m (idle_timeout)'],
    ['activity unknown: counts from the start', { lastActivityMs: null }, 'idle for 30m (idle_timeout)'],
    ['activity older than this start: counts from the start', { runningSince: 90 * MIN, lastActivityMs: 10 * MIN }, null],
    ['past max_lifetime though active', { lastActivityMs: 99 * MIN, maxLifetimeMs: 40 * MIN }, 'max_lifetime 40m reached'],
    ['a dead server', { alive: false, lastActivityMs: 99 * MIN }, 'the server exited'],
  ])('%s', (_what, facts, verdict) => {
    expect(idleVerdict({ ...base, ...facts })).toBe(verdict);
  });
});
