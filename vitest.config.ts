import { configDefaults, defineConfig } from 'vitest/config';

/** One globalSetup per real server; a project lists only the ones its files `inject`. */
const SERVICES = {
  temporal: 'test/support/test-temporal.ts',
  mariadb: 'test/support/test-mariadb.ts',
  s3: 'test/support/test-s3-servers.ts',
  kubernetes: 'test/support/test-kubernetes.ts',
  mlflow: 'test/support/test-mlflow.ts',
  kilnUp: 'test/support/test-kiln-up.ts',
} as const;

export default defineConfig({
  test: {
    // Real servers and real processes: allow for a slow machine, never for a hang.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
    // Lanes: `vitest run --project unit` (make test-unit) starts no server at all.
    projects: [
      {
        extends: true,
        // Threads, one file per core: no server to share, and worker start-up is most of its time.
        // Its own group (run first) so its worker count never applies to the server lanes.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads', maxWorkers: '100%', sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'workflows', include: ['test/workflows/**/*.test.ts'], globalSetup: [SERVICES.temporal], sequence: { groupOrder: 1 } } },
      // The console in Debian's Chromium (installs the package when missing) against one real `kiln up`
      // process the files share, with its own Temporal dev server and Web UI.
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: [SERVICES.kilnUp], sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts', 'test/chaos/**/*.test.ts', 'test/security/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/integration/mlflow/**'],
          globalSetup: [SERVICES.temporal, SERVICES.mariadb, SERVICES.s3, SERVICES.kubernetes],
        },
      },
      // The MLflow export against a real tracking server: only Temporal and MLflow, not the integration lane's servers.
      {
        extends: true,
        test: {
          name: 'mlflow',
          include: ['test/integration/mlflow/**/*.test.ts'],
          globalSetup: [SERVICES.temporal, SERVICES.mlflow],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
