import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanStatusCode } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { parseSpanLine, readableSpan, SPAN_LINE_PREFIX, startStageSpan } from '../../../core/tracing/stage-span.js';
import { formatTraceParent, parseTraceParent, TRACEPARENT_ENV } from '../../../core/tracing/traceparent.js';

const SDK = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'sdk/python');
const PYTHON = process.env.KILN_TEST_PYTHON ?? 'python3';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

function python(code: string, env: Record<string, string> = {}, input?: string) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_') && k !== TRACEPARENT_ENV)) as Record<string, string>;
  const r = spawnSync(PYTHON, ['-c', code], {
    env: { ...base, PYTHONPATH: SDK, PYTHONDONTWRITEBYTECODE: '1', ...env },
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CASES: [string, ReturnType<typeof parseTraceParent>][] = [
  [`00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, sampled: true }],
  [`00-${TRACE}-${SPAN}-00`, { traceId: TRACE, spanId: SPAN, sampled: false }],
  [`  00-${TRACE}-${SPAN}-03 `, { traceId: TRACE, spanId: SPAN, sampled: true }],
  // A later version may append fields; version 00 may not.
  [`01-${TRACE}-${SPAN}-01-extra`, { traceId: TRACE, spanId: SPAN, sampled: true }],
  [`00-${TRACE}-${SPAN}-01-extra`, undefined],
  [`ff-${TRACE}-${SPAN}-01`, undefined],
  [`00-${'0'.repeat(32)}-${SPAN}-01`, undefined],
  [`00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
  [`00-${TRACE.toUpperCase()}-${SPAN}-01`, undefined],
  [`00-${TRACE.slice(1)}-${SPAN}-01`, undefined],
  ['', undefined],
  ['garbage', undefined],
];

describe('TRACEPARENT parsing', () => {
  it.each(CASES)('parses %j', (value, expected) => {
    expect(parseTraceParent(value)).toEqual(expected);
  });

  it('formats what it parses', () => {
    const parent = { traceId: TRACE, spanId: SPAN, sampled: true };
    expect(formatTraceParent(parent)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(parseTraceParent(formatTraceParent({ ...parent, sampled: false }))).toEqual({ ...parent, sampled: false });
  });

  it('is parsed the same by the Python SDK', () => {
    const r = python(
      `import json, sys; from kiln_sdk.tracing import parse_traceparent as p
print(json.dumps([(lambda t: t and {"traceId": t.trace_id, "spanId": t.span_id, "sampled": t.sampled})(p(v)) for v in json.loads(sys.stdin.read())]))`,
      {},
      JSON.stringify(CASES.map(([value]) => value)),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(CASES.map(([, expected]) => expected ?? null));
  });
});

describe('stage spans from the Python SDK', () => {
  const spanCode = `
from kiln_sdk.tracing import span
with span("train"):
    print("training")
try:
    with span("evaluate"):
        raise KeyError("a secret value")
except KeyError:
    pass`;

  it('reports spans under TRACEPARENT as lines the worker accepts, failures by class name only', () => {
    const r = python(spanCode, { [TRACEPARENT_ENV]: `00-${TRACE}-${SPAN}-01` });
    expect(r.stderr).toBe('');
    const spans = r.stdout.split('\n').flatMap((line) => (line.startsWith(SPAN_LINE_PREFIX) ? [parseSpanLine(line)] : []));
    expect(spans).toEqual([
      expect.objectContaining({ name: 'train', trace_id: TRACE, parent_span_id: SPAN, status: 'ok' }),
      expect.objectContaining({ name: 'evaluate', trace_id: TRACE, parent_span_id: SPAN, status: 'error', error_type: 'KeyError' }),
    ]);
    expect(spans[0]!.span_id).not.toBe(spans[1]!.span_id);
    expect(BigInt(spans[0]!.end_unix_nano)).toBeGreaterThanOrEqual(BigInt(spans[0]!.start_unix_nano));
    expect(r.stdout).not.toContain('a secret value');
  });

  it.each([
    ['without TRACEPARENT', {}],
    ['when the parent is not sampled', { [TRACEPARENT_ENV]: `00-${TRACE}-${SPAN}-00` }],
    ['with a malformed TRACEPARENT', { [TRACEPARENT_ENV]: 'nonsense' }],
  ])('prints no span line %s', (_name, env: Record<string, string>) => {
    const r = python(spanCode, env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('training\n');
  });

  it.each([
    ['not JSON', `${SPAN_LINE_PREFIX}{`],
    ['an unknown field', `${SPAN_LINE_PREFIX}${JSON.stringify({ ...line(), extra: 1 })}`],
    ['a bad id', `${SPAN_LINE_PREFIX}${JSON.stringify({ ...line(), span_id: 'xyz' })}`],
    ['an end before its start', `${SPAN_LINE_PREFIX}${JSON.stringify({ ...line(), end_unix_nano: '1' })}`],
    ['no prefix', JSON.stringify(line())],
  ])('rejects a span line with %s', (_name, text) => {
    expect(parseSpanLine(text)).toBeUndefined();
  });

  it('becomes a finished span with the ids, times and status the process chose', () => {
    const span = readableSpan({ ...line(), status: 'error', error_type: 'ValueError' }, new Resource({ 'service.name': 'kiln' }));
    expect(span.spanContext()).toMatchObject({ traceId: TRACE, spanId: 'aaaaaaaaaaaaaaaa', traceFlags: 1 });
    expect(span.parentSpanId).toBe(SPAN);
    expect(span.startTime).toEqual([1_764_000_000, 123_456_789]);
    expect(span.endTime).toEqual([1_764_000_002, 23_456_789]);
    expect(span.duration).toEqual([1, 900_000_000]);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ValueError' });
  });

  it('untraced, gives the stage no TRACEPARENT and still keeps span lines out of its log', () => {
    const stage = startStageSpan('train', {});
    expect(stage.env).toEqual({});
    expect(stage.observe(`${SPAN_LINE_PREFIX}${JSON.stringify(line())}`)).toBe(true);
    expect(stage.observe('KILN_METRIC {"name":"loss","value":1}')).toBe(false);
    stage.end();
  });
});

function line() {
  return {
    name: 'train',
    trace_id: TRACE,
    span_id: 'aaaaaaaaaaaaaaaa',
    parent_span_id: SPAN,
    start_unix_nano: '1764000000123456789',
    end_unix_nano: '1764000002023456789',
    status: 'ok',
  };
}
