import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../../../core/metadata/metadata-store.js';
import { ingestNotebookMetrics } from '../../../core/workspaces/ingest-notebook-metrics.js';
import { readFileChunk, sliceChunk } from '../../../core/workspaces/metrics-file-chunk.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { KubernetesWorkspaceHost } from '../../../core/workspaces/kubernetes/kubernetes-workspace-host.js';
import { parseMetricLines, WORKSPACE_METRICS_PATH } from '../../../core/workspaces/notebook-metrics.js';
import { createWorkspaceRecord, metricLine } from '../../support/workspace-metrics-fixture.js';

/** A workspace's metrics file held in memory, read as a host reads it. */
class FakeMetricsFile {
  text = '';
  exists = true;
  readMetricsFile = async (_name: string, offset: number, maxBytes: number) => (this.exists ? sliceChunk(Buffer.from(this.text), offset, maxBytes) : null);
  append(...lines: string[]) {
    this.text += lines.join('');
  }
}

describe('parseMetricLines', () => {
  it('reads complete lines, with the offset of each, and leaves a last line without its newline', () => {
    const text = `${metricLine({ name: 'acc', value: 0.9, step: 1 })}${metricLine({ name: 'loss', value: 0.3 })}{"name":"acc","val`;
    const read = parseMetricLines(Buffer.from(text), 100);
    expect(read.points.map((p) => [p.name, p.value, p.step, p.offset])).toEqual([
      ['acc', 0.9, 1, 100],
      ['loss', 0.3, undefined, 100 + metricLine({ name: 'acc', value: 0.9, step: 1 }).length],
    ]);
    expect(read.nextOffset).toBe(100 + text.lastIndexOf('\n') + 1);
    expect(read.invalid).toBe(0);
  });

  it.each([
    ['not JSON', 'KILN_METRIC {"name":"acc"'],
    ['a point without its time', '{"name":"acc","value":1}'],
    ['a value that is not a number', '{"name":"acc","value":"high","time":1}'],
    ['a negative step', '{"name":"acc","value":1,"step":-1,"time":1}'],
    ['an unknown field', '{"name":"acc","value":1,"time":1,"extra":true}'],
    ['bytes that are not UTF-8', '\xff\xfe'],
  ])('skips and counts %s, and reads on', (_what, bad) => {
    const text = `${bad}\n${metricLine({ name: 'ok', value: 1 })}`;
    const read = parseMetricLines(Buffer.from(text, 'latin1'), 0);
    expect([read.invalid, read.points.map((p) => p.name), read.nextOffset]).toEqual([1, ['ok'], Buffer.byteLength(text, 'latin1')]);
  });

  it('skips a chunk as long as the longest line without a newline, so a reader never stalls', () => {
    const read = parseMetricLines(Buffer.from('x'.repeat(64)), 10, 64);
    expect([read.points, read.invalid, read.nextOffset]).toEqual([[], 1, 74]);
  });
});

describe('ingestNotebookMetrics', () => {
  let dir: string;
  let metadata: MetadataStore;
  let file: FakeMetricsFile;
  const ingest = (options = {}) => ingestNotebookMetrics(file, metadata.workspaceMetrics, 'nb', options);
  const stored = async () => (await metadata.workspaceMetrics.list('nb')).map((m) => [m.name, m.value, m.step]);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-nb-metrics-'));
    metadata = await openMetadataStore({ sqlitePath: join(dir, 'kiln.sqlite') });
    await createWorkspaceRecord(metadata, 'nb');
    file = new FakeMetricsFile();
  });
  afterEach(async () => {
    await metadata.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores new lines from where the last look stopped, each once', async () => {
    file.append(metricLine({ name: 'acc', value: 0.8, step: 1 }));
    expect(await ingest()).toEqual({ stored: 1, invalid: 0 });
    file.append(metricLine({ name: 'acc', value: 0.9, step: 2 }), metricLine({ name: 'loss', value: 0.2, step: 2 }));
    expect(await ingest()).toEqual({ stored: 2, invalid: 0 });
    expect(await ingest()).toEqual({ stored: 0, invalid: 0 });
    expect(await stored()).toEqual([
      ['acc', 0.8, 1],
      ['acc', 0.9, 2],
      ['loss', 0.2, 2],
    ]);
    expect(await metadata.workspaceMetrics.readState('nb')).toEqual({ generation: 0, offset: Buffer.byteLength(file.text), invalidLines: 0 });
  });

  it('stores nothing twice when an attempt is retried, or two run at once', async () => {
    file.append(metricLine({ name: 'acc', value: 0.8, step: 1 }), metricLine({ name: 'acc', value: 0.9, step: 2 }));
    const [a, b] = await Promise.all([ingest(), ingest()]);
    expect(a.stored + b.stored).toBeGreaterThanOrEqual(2);
    await ingest();
    expect(await stored()).toEqual([
      ['acc', 0.8, 1],
      ['acc', 0.9, 2],
    ]);
  });

  it('a stale attempt (its start position already stored by another) writes nothing', async () => {
    file.append(metricLine({ name: 'acc', value: 0.8, step: 1 }));
    await ingest();
    const late = await metadata.workspaceMetrics.store('nb', { generation: 0, offset: 0 }, { points: [], invalid: 5, next: { generation: 0, offset: 1 } });
    expect(late).toBe(false);
    expect(await metadata.workspaceMetrics.readState('nb')).toMatchObject({ offset: Buffer.byteLength(file.text), invalidLines: 0 });
  });

  it('leaves a last line without its newline until it is complete', async () => {
    const line = metricLine({ name: 'acc', value: 0.7, step: 3 });
    file.append(line.slice(0, 10));
    expect(await ingest()).toEqual({ stored: 0, invalid: 0 });
    expect((await metadata.workspaceMetrics.readState('nb')).offset).toBe(0);
    file.append(line.slice(10));
    expect(await ingest()).toEqual({ stored: 1, invalid: 0 });
    expect(await stored()).toEqual([['acc', 0.7, 3]]);
  });

  it('skips and counts invalid lines without throwing', async () => {
    file.append('garbage\n', metricLine({ name: 'acc', value: 1 }), '{"name":"acc","value":"x","time":1}\n');
    expect(await ingest()).toEqual({ stored: 1, invalid: 2 });
    expect((await metadata.workspaceMetrics.readState('nb')).invalidLines).toBe(2);
  });

  it('reads a long file in several reads, and finishes it at the next look when it is longer than one look reads', async () => {
    for (let step = 0; step < 50; step++) file.append(metricLine({ name: 'loss', value: 1 / (step + 1), step }));
    expect((await ingest({ readBytes: 256, maxReads: 3 })).stored).toBeLessThan(50);
    await ingest({ readBytes: 256, maxReads: 1000 });
    expect((await stored()).map(([, , step]) => step)).toEqual([...Array(50).keys()]);
  });

  it('reads a file written anew (shorter than what was read) from its start, keeping the old points', async () => {
    file.append(metricLine({ name: 'acc', value: 0.5, step: 1 }), metricLine({ name: 'acc', value: 0.6, step: 2 }));
    await ingest();
    file.text = metricLine({ name: 'acc', value: 0.1, step: 1 });
    expect(await ingest()).toEqual({ stored: 1, invalid: 0 });
    expect(await stored()).toEqual([
      ['acc', 0.5, 1],
      ['acc', 0.6, 2],
      ['acc', 0.1, 1],
    ]);
    expect(await metadata.workspaceMetrics.readState('nb')).toMatchObject({ generation: 1 });
  });

  it('does nothing while the workspace has no metrics file', async () => {
    file.exists = false;
    expect(await ingest()).toEqual({ stored: 0, invalid: 0 });
  });
});

describe('readFileChunk (the local host reads the file itself)', () => {
  it('reads from an offset, at most as many bytes as asked, and answers null without a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-nb-chunk-'));
    try {
      const path = join(dir, 'metrics.jsonl');
      writeFileSync(path, 'abcdef');
      expect(await readFileChunk(path, 2, 3)).toEqual({ bytes: Buffer.from('cde'), size: 6 });
      expect(await readFileChunk(path, 6, 10)).toEqual({ bytes: Buffer.alloc(0), size: 6 });
      expect(await readFileChunk(path, 9, 10)).toEqual({ bytes: Buffer.alloc(0), size: 6 });
      expect(await readFileChunk(join(dir, 'missing.jsonl'), 0, 10)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Kubernetes host reads the copy of the file the sidecar stored', () => {
  it('from the artifact store, under the workspace’s files; null before any is stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-nb-k8s-'));
    try {
      const artifacts = new FilesystemArtifactStore(join(dir, 'artifacts'));
      // Reading the stored copy touches neither the cluster nor its settings beyond the GPU count.
      const host = new KubernetesWorkspaceHost({ clients: undefined as never, settings: { gpuSlots: 0 } as never, artifacts, jupyterlabVersion: '4' });
      expect(await host.readMetricsFile('nb', 0, 100)).toBeNull();
      await artifacts.put(`workspaces/nb/files/${WORKSPACE_METRICS_PATH}`, metricLine({ name: 'acc', value: 1 }));
      const chunk = await host.readMetricsFile('nb', 0, 100);
      expect(parseMetricLines(chunk!.bytes, 0).points.map((p) => p.name)).toEqual(['acc']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
