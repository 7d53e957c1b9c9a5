/*
 * Child process for the concurrent-open test. Prints "ready", waits for a line on stdin so
 * that every child opens at the same moment, then opens the store given as JSON in argv[2],
 * writes a project named argv[3] and prints {"tag": …}.
 */
import { once } from 'node:events';
import { openMetadataStore } from '../../../core/metadata/metadata-store.js';
import { projectSpec } from './fixtures.js';

const [options, tag] = [JSON.parse(process.argv[2] ?? '{}'), process.argv[3] ?? 'child'];
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const store = await openMetadataStore(options);
try {
  await store.projects.upsert(projectSpec(tag));
  process.stdout.write(`${JSON.stringify({ tag })}\n`);
} finally {
  await store.close();
  process.stdin.destroy();
}
