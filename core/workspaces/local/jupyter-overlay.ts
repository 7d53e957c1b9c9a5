import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentUnavailableError } from '../../errors.js';
import { runProcess } from '../../environments/run-process.js';

export interface JupyterOverlayOptions {
  /** The per-user tools cache (KilnConfig.toolsDir): overlays are shared by every clone and data directory. */
  toolsDir: string;
  /** The pinned JupyterLab version (JUPYTERLAB_VERSION in scripts/tool-versions.sh). */
  version: string;
  uvPath: string;
}

/**
 * JupyterLab installed for one Python version into a `--target` directory beside, not inside,
 * an environment: the environment's venv (and so its digest) never changes, and every
 * environment of that Python version shares one install. `kiln_sdk.workspace` puts it on
 * sys.path after the environment's packages. Installed on first use, atomically (a rename).
 */
export async function ensureJupyterOverlay(options: JupyterOverlayOptions, pythonExecutable: string, signal?: AbortSignal): Promise<string> {
  const pythonVersion = await pythonMinorVersion(pythonExecutable);
  const dir = join(options.toolsDir, `jupyterlab-${options.version}`, `py${pythonVersion}`);
  const site = join(dir, 'site');
  if (existsSync(join(dir, '.complete'))) return site;
  const staging = `${dir}.staging-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    const outcome = await runProcess(
      options.uvPath,
      ['pip', 'install', '--quiet', '--python', pythonExecutable, '--target', join(staging, 'site'), `jupyterlab==${options.version}`],
      { ...(signal ? { signal } : {}) },
    );
    if (outcome.exitCode !== 0) {
      throw new EnvironmentUnavailableError('kind', `installing jupyterlab==${options.version} for Python ${pythonVersion} failed: ${outcome.tail.join('\n')}`);
    }
    await writeFile(join(staging, '.complete'), `jupyterlab==${options.version}\n`);
    // A half-made directory from a crashed install has no marker: replace it.
    if (!existsSync(join(dir, '.complete'))) await rm(dir, { recursive: true, force: true });
    // Another worker may have won the race: its complete install is as good as ours.
    await rename(staging, dir).catch(async (error: unknown) => {
      if (!existsSync(join(dir, '.complete'))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return site;
}

async function pythonMinorVersion(pythonExecutable: string): Promise<string> {
  const outcome = await runProcess(pythonExecutable, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { captureStdout: true });
  const version = outcome.stdout.trim();
  if (outcome.exitCode !== 0 || !/^3\.\d+$/.test(version)) {
    throw new EnvironmentUnavailableError('environment', `cannot tell the Python version of ${pythonExecutable}: ${outcome.tail.join('\n')}`);
  }
  return version;
}
