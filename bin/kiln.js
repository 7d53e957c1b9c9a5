#!/usr/bin/env node
// The `kiln` command: runs the compiled CLI (built by `make build`, which `make demo` and `make test` run).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'api', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error('kiln: not built yet; run `make build` (or `make demo`) in the Kiln checkout first');
  process.exit(1);
}
await import(entry);
