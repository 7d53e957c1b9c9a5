/**
 * Versions one CSV file into a filesystem artifact store, as a run's prepare step does, and
 * prints the manifest's row counts, this process's RSS before versioning and its peak RSS as JSON. Run in a child process
 * by test/unit/datasets/dataset-memory.test.ts, under a small heap.
 * Usage: node --import tsx test/support/version-dataset-child.ts <csv> <store dir>
 */
import { readFileSync } from 'node:fs';
import { FilesystemArtifactStore } from '../../core/artifacts/filesystem-store.js';
import { storeDatasetVersion } from '../../core/datasets/store-dataset-version.js';
import { DatasetSpec } from '../../core/specs/dataset.js';

const [csv, storeDir] = process.argv.slice(2) as [string, string];
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
// What the process holds before versioning (the runtime, tsx, the code): the test bounds the growth over it.
const baselineRss = status('VmRSS');
const spec = DatasetSpec.parse({ name: 'big', path: csv, target_column: 'target' });
const stored = await storeDatasetVersion(new FilesystemArtifactStore(storeDir), spec, csv);
const peakRss = status('VmHWM');
console.log(JSON.stringify({ rows: stored.manifest.rows, trainRows: stored.manifest.train_rows, testRows: stored.manifest.test_rows, baselineRss, peakRss }));
