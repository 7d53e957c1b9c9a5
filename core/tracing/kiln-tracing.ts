import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../config.js';

/** This process's traces: spans of its own tracer go out through the global provider. */
export interface KilnTracing {
  /** False without an OTLP endpoint: every span is then a no-op and nothing is exported. */
  readonly enabled: boolean;
  /** Where finished spans recorded elsewhere go (a workflow sandbox's, a stage process's), with `resource`. */
  readonly processor: SpanProcessor;
  readonly resource: Resource;
  /** Sends what is buffered (spans leave in batches, every few seconds). */
  flush(): Promise<void>;
}

const DISABLED: KilnTracing = {
  enabled: false,
  processor: new NoopSpanProcessor(),
  resource: new Resource({ [ATTR_SERVICE_NAME]: 'kiln' }),
  flush: async () => {},
};

let installed: KilnTracing | undefined;

/**
 * Installs OpenTelemetry tracing once per process, before any client or worker exists: an OTLP/HTTP
 * exporter to `settings.endpoint`, W3C trace context propagation and async-context tracking. Without
 * an endpoint nothing is installed, and the API's tracer hands out no-op spans.
 */
export function installTracing(settings: TracingSettings): KilnTracing {
  if (installed) return installed;
  if (!settings.endpoint) return DISABLED;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: settings.serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  installed = { enabled: true, processor, resource, flush: () => provider.forceFlush() };
  return installed;
}

/** The tracing `installTracing` set up in this process; disabled when it was not called or had no endpoint. */
export function kilnTracing(): KilnTracing {
  return installed ?? DISABLED;
}

export function kilnTracer(): Tracer {
  return trace.getTracer('kiln');
}
