/**
 * The monitoring walk-through (`make demo-monitoring`) end to end on a real stack: the
 * breast-cancer model served and monitored, 1,000 predictions of its test split with their
 * labels, then 1,000 with two features shifted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { runMonitoringDemo, SHIFTED_FEATURES } from '../../../api/cli/demo-monitoring.js';
import { INSTALL_DIR, loadConfig } from '../../../core/config.js';

describe('kiln demo-monitoring', () => {
  it('flags exactly the shifted features, reports live accuracy as computed from the labels, and starts one retraining run', { timeout: 600_000 }, async () => {
    const config = loadConfig({
      home: mkdtempSync(join(tmpdir(), 'kiln-demo-monitoring-')),
      temporalAddress: inject('temporalAddress'),
      taskQueue: `kiln-test-demo-monitoring-${process.pid}`,
      dataRoots: [INSTALL_DIR, tmpdir()],
    });
    const out = new PassThrough();
    let printed = '';
    out.on('data', (d: Buffer) => (printed += d.toString()));
    const { code, result } = await runMonitoringDemo(config, out as unknown as typeof process.stdout);
    expect(result?.firstDrifted, printed).toEqual([]);
    expect([...(result?.secondDrifted ?? [])].sort(), printed).toEqual([...SHIFTED_FEATURES].sort());
    expect(Math.abs((result?.liveAccuracy ?? -1) - result!.ownAccuracy)).toBeLessThanOrEqual(0.01);
    expect(result?.ownAccuracy).toBeGreaterThan(0.9);
    expect(result?.driftRuns).toHaveLength(1);
    expect(code).toBe(0);
    expect(printed).toContain('verdict                     as expected');
  });
});
