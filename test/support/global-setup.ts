import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServer } from '../../core/temporal/dev-server.js';
import { freePort } from '../../core/net/free-port.js';
import { provideTestMariadb } from './test-mariadb.js';
import { provideTestKubernetes } from './test-kubernetes.js';
import { provideTestS3Servers } from './test-s3-servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

/** One real Temporal dev server for the whole test run (never a mock), on free loopback ports. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-temporal-'));
  const server = await startDevServer({
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(dir, 'temporal.sqlite'),
    port: await freePort(),
    namespace: 'default',
  });
  project.provide('temporalAddress', server.address);

  // MariaDB for the MySQL dialect of the metadata suites (test/support/test-mariadb.ts).
  let stopMariadb: () => Promise<void>;
  try {
    stopMariadb = await provideTestMariadb(project);
  } catch (error) {
    await server.stop();
    throw error;
  }

  // MinIO and SeaweedFS for the S3 artifact store suites (test/support/test-s3-servers.ts).
  let stopS3Servers: () => Promise<void>;
  try {
    stopS3Servers = await provideTestS3Servers(project);
  } catch (error) {
    await Promise.all([server.stop(), stopMariadb()]);
    throw error;
  }

  // A Kubernetes control plane with fake nodes for the Kubernetes suites (test/support/test-kubernetes.ts).
  let stopKubernetes: () => Promise<void>;
  try {
    stopKubernetes = await provideTestKubernetes(project);
  } catch (error) {
    await Promise.all([server.stop(), stopMariadb(), stopS3Servers()]);
    throw error;
  }

  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    await stopMariadb();
    await stopS3Servers();
    await stopKubernetes();
  };
}
