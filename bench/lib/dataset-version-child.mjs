/**
 * The process bench/dataset.ts measures: versions one CSV as a run's prepare step does
 * (storeDatasetVersion into a filesystem artifact store, recordVersion into embedded SQLite),
 * twice (new, then unchanged), and prints its timings and peak RSS as one JSON line.
 * Plain JavaScript over the compiled code in dist/ (`make build`), as `kiln worker` runs it:
 * under tsx its loader thread alone would add some 50 MiB to the RSS measured.
 * Usage: node bench/lib/dataset-version-child.mjs <csv> <work dir>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '../../dist/core/artifacts/filesystem-store.js';
import { datasetSource } from '../../dist/core/datasets/dataset-source.js';
import { storeDatasetVersion, versionRecordOf } from '../../dist/core/datasets/store-dataset-version.js';
import { openMetadataStore } from '../../dist/core/metadata/metadata-store.js';
import { DatasetSpec } from '../../dist/core/specs/dataset.js';

const [csv, work] = process.argv.slice(2);
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN) * 1024;

const artifacts = new FilesystemArtifactStore(join(work, 'artifacts'));
const metadata = await openMetadataStore({ sqlitePath: join(work, 'kiln.sqlite') });
const spec = DatasetSpec.parse({ name: 'bench', path: csv, target_column: 'target' });
await metadata.datasets.upsert(spec);
const baseline = peakRss();

async function version() {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const stored = await storeDatasetVersion(artifacts, spec, csv);
  await metadata.datasets.recordVersion(versionRecordOf(spec.name, stored));
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, stored };
}

// Whether the file has a write stamp now, i.e. whether versioning checks it by its stamp or hashes it twice.
const stamped = (await datasetSource(csv).writeStamp()) !== undefined;
const first = await version();
const peak = peakRss();
const second = await version();
await metadata.close();
console.log(
  JSON.stringify({
    newMs: first.ms,
    newCpuMs: first.cpuMs,
    stamped,
    reusedMs: second.ms,
    reused: second.stored.reused,
    rows: first.stored.manifest.rows,
    trainRows: first.stored.manifest.train_rows,
    baselineRss: baseline,
    peakRss: peak,
  }),
);
