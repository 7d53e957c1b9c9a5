import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../../core/executors/create-executor.js';
import type { ExecutorOptions } from '../../../core/executors/create-executor.js';

describe('createExecutor', () => {
  it('builds the local executor, which neither gives GPUs nor enforces limits', () => {
    expect(createExecutor({ kind: 'local' }).capabilities).toEqual({ supportsGpu: false, enforcesResourceLimits: false });
  });

  it('refuses an unknown kind from untyped config', () => {
    expect(() => createExecutor({ kind: 'kubernetes' } as unknown as ExecutorOptions)).toThrow(/unknown executor kind "kubernetes"/);
  });

  it('refuses a negative kill grace', () => {
    expect(() => createExecutor({ kind: 'local', killGraceMs: -1 })).toThrow(RangeError);
  });
});
