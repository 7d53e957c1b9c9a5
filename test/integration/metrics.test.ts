/**
 * Prometheus metrics on a live stack (real Temporal, real stage processes): after runs, the
 * API's GET /metrics holds Kiln's run, stage and cache series, Node's, and the Temporal SDK's;
 * every metric deploy/grafana/kiln-dashboard.json queries is there; only a token with
 * `metrics:read` reads it; and a worker without the API serves its own on KILN_METRICS_ADDRESS.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR, loadConfig } from '../../core/config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let viewerToken: string;
let outsiderToken: string;

const scrape = (token: string) => fetch(`${stack.apiUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
/** `name{labels} value` lines as [name, labels, value]. */
function samples(text: string): { name: string; labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)!;
      return { name: match[1]!, labels: match[2] ?? '', value: Number(match[3]) };
    });
}
/** The metric names a PromQL expression reads (not its functions, keywords or label names). */
function metricNamesIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((name) => name !== 'le' && /_/.test(name));
}

beforeAll(async () => {
  ({ stack, client } = await startTestStack('metrics'));
  await applySpecFile(client, readSpecFile(join(INSTALL_DIR, 'test', 'fixtures', 'sleepy', 'kiln.json')));
  await client.addPrincipal('user', { name: 'vera' });
  await client.addBinding({ principal: 'user:vera', role: 'viewer' });
  viewerToken = (await client.createToken({ name: 'prometheus', owner: 'user:vera' })).token;
  await client.addPrincipal('user', { name: 'otto' });
  outsiderToken = (await client.createToken({ name: 'none', owner: 'user:otto' })).token;
  const first = await runToEnd(client, { project: 'sleepy' }, 90_000);
  const again = await runToEnd(client, { project: 'sleepy' }, 90_000);
  expect([first.status, again.status]).toEqual(['succeeded', 'succeeded']);
}, 240_000);
afterAll(async () => stack?.stop());

describe('GET /metrics', () => {
  it("holds the runs, stages and cache hits of this process's runs, Node's metrics and the Temporal SDK's", async () => {
    const response = await scrape(viewerToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const all = samples(await response.text());
    const value = (name: string, labels: string) => all.find((s) => s.name === name && s.labels === labels)?.value;
    expect(value('kiln_runs_started_total', '{project="sleepy",trigger="api"}')).toBe(2);
    expect(value('kiln_runs_finished_total', '{project="sleepy",status="succeeded"}')).toBe(2);
    // The first run ran train and evaluate; the second reused both.
    expect(value('kiln_stage_duration_seconds_count', '{stage="train",outcome="succeeded",failure_class="none"}')).toBe(1);
    expect(value('kiln_stage_cache_hits_total', '{stage="train"}')).toBe(1);
    expect(value('kiln_stage_queue_wait_seconds_count', '{stage="train",queue="cpu"}')).toBe(1);
    expect(value('kiln_stages_running', '{stage="train"}')).toBe(0);
    expect(value('kiln_gpu_slots_in_use', '')).toBe(0);
    expect(all.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
    expect(all.some((s) => s.name.startsWith('temporal_') && s.name.endsWith('_bucket'))).toBe(true);
  });

  it('has every metric the Grafana dashboard queries', async () => {
    const text = await (await scrape(viewerToken)).text();
    const present = new Set([
      ...samples(text).map((s) => s.name),
      ...[...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name!],
      ),
    ]);
    const dashboard = JSON.parse(readFileSync(join(INSTALL_DIR, 'deploy', 'grafana', 'kiln-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNamesIn(t.expr).map((name) => [p.title, name] as const)));
    expect(queried.length).toBeGreaterThan(dashboard.panels.length - 1);
    for (const [title, name] of queried) expect(present.has(name), `${title}: ${name}`).toBe(true);
  });

  it('needs metrics:read: a viewer may, a user without a binding may not, nor a request without a token', async () => {
    expect((await scrape(outsiderToken)).status).toBe(403);
    expect((await fetch(`${stack.apiUrl}/metrics`)).status).toBe(401);
  });

  it('is served by a worker without the API on KILN_METRICS_ADDRESS', async () => {
    const config = loadConfig({
      home: mkdtempSync(join(tmpdir(), 'kiln-metrics-worker-')),
      temporalAddress: inject('temporalAddress'),
      taskQueue: `kiln-test-metrics-worker-${process.pid}`,
      metricsAddress: '127.0.0.1:0',
    });
    const worker = await startEmbeddedStack(config, { api: false });
    try {
      expect(worker.apiUrl).toBeUndefined();
      const response = await fetch(worker.metricsUrl!);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE kiln_runs_finished_total counter');
      expect((await fetch(worker.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await worker.stop();
    }
  });
});
