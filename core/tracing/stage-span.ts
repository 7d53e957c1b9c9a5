import { type Attributes, type HrTime, isSpanContextValid, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { kilnTracer, kilnTracing } from './kiln-tracing.js';
import { formatTraceParent, TRACEPARENT_ENV } from './traceparent.js';

/**
 * How a stage process reports its spans: stdout lines `KILN_SPAN {...}` (sdk/python/kiln_sdk/tracing.py),
 * beside the metric lines. User environments need no OpenTelemetry package and no route to the
 * collector: the worker, which reads the stage's output anyway (locally or from the pod's log),
 * exports them as real spans with the ids the process chose under its TRACEPARENT.
 */
export const SPAN_LINE_PREFIX = 'KILN_SPAN ';

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`));
const unixNano = z.string().regex(/^\d{1,20}$/);

export const StageSpanLine = z
  .object({
    name: z.string().min(1).max(200),
    trace_id: hex(32),
    span_id: hex(16),
    parent_span_id: hex(16),
    start_unix_nano: unixNano,
    end_unix_nano: unixNano,
    status: z.enum(['ok', 'error']),
    /** The exception's class name only: its message may hold anything the user's code had. */
    error_type: z.string().max(200).optional(),
  })
  .strict()
  .refine((span) => BigInt(span.end_unix_nano) >= BigInt(span.start_unix_nano), 'a span cannot end before it starts');
export type StageSpanLine = z.infer<typeof StageSpanLine>;

/** A span line's record; undefined for any other line or a malformed one (user output is never trusted to parse). */
export function parseSpanLine(line: string): StageSpanLine | undefined {
  if (!line.startsWith(SPAN_LINE_PREFIX)) return undefined;
  try {
    return StageSpanLine.safeParse(JSON.parse(line.slice(SPAN_LINE_PREFIX.length))).data;
  } catch {
    return undefined;
  }
}

export interface StageSpan {
  /** What the stage's environment gets: TRACEPARENT naming this span, when tracing. */
  readonly env: Record<string, string>;
  /** Takes a line of the stage's output: true when it was a span line (exported if it belongs to this trace). */
  observe(line: string): boolean;
  /** Ends the span; a failure's description marks it as an error. */
  end(failure?: string): void;
}

/** A `stage:<name>` span, child of the active span (runStage's activity span), that the stage process's spans hang below. */
export function startStageSpan(stage: string, attributes: Attributes): StageSpan {
  const tracing = kilnTracing();
  const span = kilnTracer().startSpan(`stage:${stage}`, { kind: SpanKind.INTERNAL, attributes });
  const context = span.spanContext();
  const traced = tracing.enabled && isSpanContextValid(context);
  const sampled = (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  return {
    env: traced ? { [TRACEPARENT_ENV]: formatTraceParent({ traceId: context.traceId, spanId: context.spanId, sampled }) } : {},
    observe(line) {
      if (!line.startsWith(SPAN_LINE_PREFIX)) return false;
      const record = parseSpanLine(line);
      // Only into this stage's own trace: output cannot add spans to anyone else's.
      if (traced && sampled && record?.trace_id === context.traceId) tracing.processor.onEnd(readableSpan(record, tracing.resource));
      return true;
    },
    end(failure) {
      if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
      span.end();
    },
  };
}

function hrTime(unixNano: string): HrTime {
  const ns = BigInt(unixNano);
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

/** A finished span as the SDK's processors take it (the same shape the Temporal interceptors build for workflow spans). */
export function readableSpan(record: StageSpanLine, resource: ReadableSpan['resource']): ReadableSpan {
  const spanContext = { traceId: record.trace_id, spanId: record.span_id, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  const startTime = hrTime(record.start_unix_nano);
  const endTime = hrTime(record.end_unix_nano);
  const durationNs = BigInt(record.end_unix_nano) - BigInt(record.start_unix_nano);
  const failed = record.status === 'error';
  return {
    name: record.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => spanContext,
    parentSpanId: record.parent_span_id,
    startTime,
    endTime,
    duration: [Number(durationNs / 1_000_000_000n), Number(durationNs % 1_000_000_000n)],
    status: failed ? { code: SpanStatusCode.ERROR, ...(record.error_type ? { message: record.error_type } : {}) } : { code: SpanStatusCode.OK },
    attributes: failed && record.error_type ? { 'exception.type': record.error_type } : {},
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationLibrary: { name: 'kiln_sdk' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
