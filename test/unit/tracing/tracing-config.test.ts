import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.js';

describe('tracing settings', () => {
  it.each([
    ['off by default', {}, { endpoint: undefined, serviceName: 'kiln' }],
    [
      'the base endpoint gets the traces path',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' },
      { endpoint: 'http://collector:4318/v1/traces', serviceName: 'kiln' },
    ],
    [
      'the traces endpoint is used as given, before the base one',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/custom' },
      { endpoint: 'https://collector/custom', serviceName: 'kiln' },
    ],
    [
      'the service name',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SERVICE_NAME: 'kiln-worker' },
      { endpoint: 'http://c:4318/v1/traces', serviceName: 'kiln-worker' },
    ],
  ])('%s', (_name, env: Record<string, string>, expected) => {
    expect(loadConfig({}, env).tracing).toEqual(expected);
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => loadConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL');
    expect(() => loadConfig({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://c' })).toThrow('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  });

  it('an explicit setting wins over the environment', () => {
    const tracing = { endpoint: 'http://127.0.0.1:1/v1/traces', serviceName: 'test' };
    expect(loadConfig({ tracing }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing).toBe(tracing);
  });
});
