import { describe, expect, it } from 'vitest';
import { formatMetricLine, METRIC_LINE_PREFIX, parseMetricLine, type MetricPoint } from '../../../core/runner/metric-line.js';

const line = (json: string) => `${METRIC_LINE_PREFIX}${json}`;

describe('parseMetricLine on metric lines', () => {
  it.each<[string, string, MetricPoint]>([
    ['name and value only', '{"name":"accuracy","value":0.96}', { name: 'accuracy', value: 0.96 }],
    ['a step', '{"name":"loss","value":0.31,"step":120}', { name: 'loss', value: 0.31, step: 120 }],
    ['an epoch', '{"name":"loss","value":0.31,"epoch":2}', { name: 'loss', value: 0.31, epoch: 2 }],
    ['step and epoch', '{"name":"loss","value":0.31,"step":120,"epoch":2}', { name: 'loss', value: 0.31, step: 120, epoch: 2 }],
    ['a negative value', '{"name":"log_likelihood","value":-12.5}', { name: 'log_likelihood', value: -12.5 }],
    ['step zero', '{"name":"loss","value":1,"step":0}', { name: 'loss', value: 1, step: 0 }],
  ])('reads %s', (_label, json, metric) => {
    expect(parseMetricLine(line(json))).toEqual({ kind: 'metric', metric });
  });
});

describe('parseMetricLine on plain output', () => {
  it.each([
    ['an ordinary log line', 'epoch 2/10 done'],
    ['an empty line', ''],
    ['the prefix not at the start', `info: ${line('{"name":"a","value":1}')}`],
    ['the prefix without its space', 'KILN_METRIC{"name":"a","value":1}'],
    ['a lower-case prefix', 'kiln_metric {"name":"a","value":1}'],
  ])('treats %s as log', (_label, text) => {
    expect(parseMetricLine(text)).toEqual({ kind: 'log' });
  });
});

describe('parseMetricLine on malformed metric lines', () => {
  it.each([
    ['truncated JSON', '{"name":"a","value":', /^not valid JSON$/],
    ['nothing after the prefix', '', /^not valid JSON$/],
    ['NaN, which Python writes but JSON forbids', '{"name":"a","value":NaN}', /^not valid JSON$/],
    ['Infinity, which Python writes but JSON forbids', '{"name":"a","value":Infinity}', /^not valid JSON$/],
    ['a value overflowing to infinity', '{"name":"a","value":1e999}', /^value: /],
    ['a string value', '{"name":"a","value":"0.9"}', /^value: .*string/],
    ['a missing value', '{"name":"a"}', /^value: /],
    ['a missing name', '{"value":1}', /^name: /],
    ['an empty name', '{"name":"","value":1}', /^name: /],
    ['a fractional step', '{"name":"a","value":1,"step":1.5}', /^step: /],
    ['a negative epoch', '{"name":"a","value":1,"epoch":-1}', /^epoch: /],
    ['an unknown key', '{"name":"a","value":1,"unit":"%"}', /^line: .*"unit"/],
    ['an array', '[1,2]', /^line: .*array/],
    ['null', 'null', /^line: .*null/],
    ['a bare number', '0.5', /^line: /],
  ])('reports %s as invalid with a reason', (_label, json, reason) => {
    const result = parseMetricLine(line(json));
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toMatch(reason);
  });

  it('lists every problem in one reason', () => {
    const result = parseMetricLine(line('{"name":"","value":"x"}'));
    expect(result.kind === 'invalid' && result.reason.split('; ').map((r) => r.split(':')[0])).toEqual(['name', 'value']);
  });
});

describe('formatMetricLine', () => {
  it.each<MetricPoint>([
    { name: 'accuracy', value: 0.96 },
    { name: 'loss', value: 0.31, step: 120, epoch: 2 },
    { name: 'tiny', value: 1e-12, step: 0 },
    { name: 'name with "quotes" and spaces', value: -3 },
  ])('writes a line that parseMetricLine reads back unchanged: %j', (metric) => {
    const text = formatMetricLine(metric);
    expect(text.startsWith(METRIC_LINE_PREFIX)).toBe(true);
    expect(text).not.toContain('\n');
    expect(parseMetricLine(text)).toEqual({ kind: 'metric', metric });
  });
});
