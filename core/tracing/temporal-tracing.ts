import { createRequire } from 'node:module';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { KilnTracing } from './kiln-tracing.js';

/** The workflow interceptors, in the traced workflow bundle only (workers/workflow-bundle.ts). */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** Workflow start (and signals, queries, updates) as children of the caller's active span. */
export function tracingClientInterceptors(tracing: KilnTracing): ClientInterceptors {
  return tracing.enabled ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}

/** Each activity in a span whose parent is the workflow's span that scheduled it. */
export function tracingActivityInterceptors(tracing: KilnTracing): ActivityInterceptorsFactory[] {
  if (!tracing.enabled) return [];
  return [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })];
}

// The SDK's exporter copies the whole WorkflowInfo onto each span (memo, search attributes, last
// result); only these identify a run, and nothing else should leave for the collector.
const INFO_KEPT = ['workflowId', 'runId', 'workflowType', 'taskQueue', 'namespace', 'attempt'] as const;

/** The sink through which a traced bundle's workflows hand over their finished spans (registered always: it costs nothing unused). */
export function workflowTracingSinks(tracing: KilnTracing): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  const exporter = makeWorkflowExporter(tracing.processor, tracing.resource);
  return {
    exporter: {
      export: {
        fn: (info: WorkflowInfo, spans) => exporter.export.fn(Object.fromEntries(INFO_KEPT.map((key) => [key, info[key]])) as unknown as WorkflowInfo, spans),
      },
    },
  };
}
