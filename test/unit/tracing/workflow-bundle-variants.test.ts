import { describe, expect, it } from 'vitest';
import { WORKFLOW_TRACING_MODULE } from '../../../core/tracing/temporal-tracing.js';
import { prebuiltBundleName, workflowBundleOptions } from '../../../workers/workflow-bundle.js';

describe('workflow bundle variants', () => {
  it('carries the OpenTelemetry workflow interceptors only when the worker traces', () => {
    expect(workflowBundleOptions('/kiln', { traced: true }).workflowInterceptorModules).toEqual([WORKFLOW_TRACING_MODULE]);
    expect(workflowBundleOptions('/kiln', { traced: false }).workflowInterceptorModules).toEqual([]);
    expect(workflowBundleOptions('/kiln', { traced: false }).workflowsPath).toBe('/kiln/workflows/index.ts');
  });

  it('prebuilds each variant under its own name', () => {
    expect(new Set([prebuiltBundleName(true), prebuiltBundleName(false)]).size).toBe(2);
    expect(prebuiltBundleName(false)).toBe('workflow-bundle.js');
  });
});
