import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin (system:masters) kubeconfig of a real control plane with fake nodes; undefined when it could not start outside CI. */
    kubeconfigPath: string | undefined;
    /** The same cluster as `kiln-worker`, a user with no privileges until a test binds it to a Role. */
    kubeWorkerKubeconfigPath: string | undefined;
    /** Why the Kubernetes tests are skipped, when they are. */
    kubeUnavailableReason: string | undefined;
  }
}

const SCRIPT = fileURLToPath(new URL('../../scripts/k8s-testbed.sh', import.meta.url));
const run = promisify(execFile);

/**
 * Provides the kubeconfigs of the Kubernetes testbed (scripts/k8s-testbed.sh): KILN_TEST_KUBECONFIG
 * and KILN_TEST_KUBE_WORKER_KUBECONFIG when set (a testbed you keep running), otherwise a private
 * one started for this run in its own services directory. In CI a testbed that cannot start fails
 * the run; elsewhere the Kubernetes suites skip with the script's reason (its first build takes
 * 10-25 minutes: `make k8s-tools`). Returns the teardown.
 */
export async function provideTestKubernetes(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KILN_TEST_KUBECONFIG?.trim();
  if (external) {
    const worker = process.env.KILN_TEST_KUBE_WORKER_KUBECONFIG?.trim();
    if (!worker) throw new Error('KILN_TEST_KUBECONFIG is set, so KILN_TEST_KUBE_WORKER_KUBECONFIG must name the kiln-worker kubeconfig too');
    provide(project, external, worker, undefined);
    return async () => {};
  }
  const services = mkdtempSync(join(tmpdir(), 'kiln-test-k8s-'));
  const env = { ...process.env, KILN_SERVICES_DIR: services };
  const stop = async () => {
    await run('bash', [SCRIPT, 'stop'], { env }).catch(() => undefined);
    rmSync(services, { recursive: true, force: true });
  };
  try {
    // Generous: a machine without the cached binaries builds them first.
    const { stdout } = await run('bash', [SCRIPT, 'start'], { env, timeout: 45 * 60_000 });
    const admin = stdout.trim().split('\n').at(-1)!;
    provide(project, admin, join(admin, '..', 'worker.kubeconfig'), undefined);
  } catch (error) {
    await stop();
    const stderr = (error as { stderr?: string }).stderr?.trim();
    const reason = `the Kubernetes testbed did not start: ${stderr || (error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(reason, { cause: error });
    console.warn(`kiln: skipping the Kubernetes tests, ${reason}`);
    provide(project, undefined, undefined, reason);
    return async () => {};
  }
  return stop;
}

function provide(project: TestProject, admin: string | undefined, worker: string | undefined, reason: string | undefined) {
  project.provide('kubeconfigPath', admin);
  project.provide('kubeWorkerKubeconfigPath', worker);
  project.provide('kubeUnavailableReason', reason);
}

/** As a vitest globalSetup (vitest.config.ts lists one per service a project needs). */
export default provideTestKubernetes;
