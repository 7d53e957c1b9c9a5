import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { buildSpecOf, type EnvironmentSpec } from '../specs/environment.js';
import { EnvironmentBuildError } from './environment-build-error.js';
import { findPythonInterpreter, type PythonInterpreter } from './find-python.js';
import { runProcess } from './run-process.js';

export interface BuiltEnvironment {
  digest: string;
  venvDir: string;
  pythonExecutable: string;
  binDir: string;
  /** `major.minor.patch` of the interpreter the venv was built from. */
  pythonVersion: string;
  /** Time this call took (0 when an existing build was found without waiting). */
  durationMs: number;
  /** True when the environment already existed and nothing was built. */
  reused: boolean;
}

export interface VenvBuilderOptions {
  /** Where environments live, one directory per digest. */
  environmentsDir: string;
  /** The pinned uv binary (see tool-paths.ts). */
  uvPath: string;
  /** Default: findPythonInterpreter on this machine. */
  findPython?: (pythonVersion: string) => Promise<PythonInterpreter>;
  /** Progress messages of the builder itself (not uv's output). */
  onLog?: (message: string) => void;
}

export interface BuildOptions {
  /** Aborting kills uv and removes the half-built directory. */
  signal?: AbortSignal;
  /** Each line uv prints. */
  onLine?(line: string): void;
}

export const ENVIRONMENT_MANIFEST = 'kiln-environment.json';

/** Written last into a built environment; its presence means the build completed. */
const EnvironmentManifest = z.object({
  digest: z.string(),
  spec: z.object({ python_version: z.string(), base_image: z.string(), dependencies: z.array(z.string()) }),
  python: z.object({ version: z.string(), base_executable: z.string() }),
  packages: z.array(z.string()),
  built_at: z.string(),
});
type EnvironmentManifest = z.infer<typeof EnvironmentManifest>;

/**
 * Builds Python virtual environments with uv, one directory per spec digest. A build goes
 * into a private temporary directory that is renamed into place only when complete, so
 * readers never see half an environment and concurrent builders of one digest cannot clash.
 */
export class VenvBuilder {
  private readonly options: VenvBuilderOptions;
  private readonly located = new Map<string, BuiltEnvironment>();

  constructor(options: VenvBuilderOptions) {
    this.options = Object.freeze({ ...options });
  }

  /** The completed environment for `digest`, if this machine has one. */
  locate(digest: string): BuiltEnvironment | undefined {
    const venvDir = join(this.options.environmentsDir, digest);
    const manifestPath = join(venvDir, ENVIRONMENT_MANIFEST);
    if (!existsSync(manifestPath)) {
      this.located.delete(digest);
      return undefined;
    }
    // Every stage asks; the manifest of a finished build never changes.
    const cached = this.located.get(digest);
    if (cached) return cached;
    const parsed = EnvironmentManifest.safeParse(parseJsonOrUndefined(readFileSync(manifestPath, 'utf8')));
    if (!parsed.success || parsed.data.digest !== digest) return undefined;
    const binDir = join(venvDir, 'bin');
    const pythonExecutable = join(binDir, 'python');
    const found = { digest, venvDir, binDir, pythonExecutable, pythonVersion: parsed.data.python.version, durationMs: 0, reused: true };
    this.located.set(digest, found);
    return found;
  }

  async build(spec: EnvironmentSpec, digest: string, opts: BuildOptions = {}): Promise<BuiltEnvironment> {
    const started = Date.now();
    const existing = this.locate(digest);
    if (existing) return existing;

    const { environmentsDir, uvPath } = this.options;
    const buildSpec = buildSpecOf(spec);
    // EnvironmentUnavailableError from here means no interpreter: nothing was started yet.
    const python = await (this.options.findPython ?? findPythonInterpreter)(spec.python_version);
    await mkdir(environmentsDir, { recursive: true });
    const workDir = join(environmentsDir, `${digest}.building-${randomBytes(6).toString('hex')}`);
    const venvPython = join(workDir, 'bin', 'python');
    this.log(`building environment ${digest.slice(0, 12)} with Python ${python.version} (${python.executable})`);

    const uv = async (args: string[], what: string, captureStdout = false) => {
      // cwd is the environments directory so a uv.toml or pyproject.toml in the caller's cwd cannot change the build.
      const outcome = await runProcess(uvPath, [...args, '--no-progress', '--color', 'never'], {
        cwd: environmentsDir,
        signal: opts.signal,
        onLine: opts.onLine,
        captureStdout,
      });
      if (outcome.exitCode !== 0) {
        const how = outcome.exitCode === null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
        throw new EnvironmentBuildError(buildSpec.dependencies, outcome.tail, `${what} failed: uv ${how}`);
      }
      return outcome.stdout;
    };

    try {
      await uv(['venv', '--relocatable', '--no-project', '--no-python-downloads', '--python', python.executable, workDir], 'creating the virtual environment');
      if (buildSpec.dependencies.length > 0) {
        // Precompiled bytecode: stages run with PYTHONDONTWRITEBYTECODE, so they would otherwise recompile on every start.
        await uv(['pip', 'install', '--compile-bytecode', '--python', venvPython, ...buildSpec.dependencies], `installing ${buildSpec.dependencies.join(' ')}`);
      }
      const freeze = await uv(['pip', 'freeze', '--python', venvPython], 'listing installed packages', true);
      const manifest: EnvironmentManifest = {
        digest,
        spec: buildSpec,
        python: { version: python.version, base_executable: python.executable },
        packages: freeze
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
        built_at: new Date().toISOString(),
      };
      await writeFile(join(workDir, ENVIRONMENT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      return await this.publish(workDir, digest, python.version, started);
    } finally {
      // After a successful publish the work directory is gone and this does nothing.
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Renames the finished build into place; another builder that got there first wins. */
  private async publish(workDir: string, digest: string, pythonVersion: string, started: number): Promise<BuiltEnvironment> {
    const venvDir = join(this.options.environmentsDir, digest);
    try {
      await rename(workDir, venvDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      const winner = this.locate(digest);
      if (winner) {
        this.log(`environment ${digest.slice(0, 12)} was built concurrently; using that one`);
        return { ...winner, durationMs: Date.now() - started };
      }
      // A directory without a manifest is a leftover from outside Kiln's builds; replace it.
      const stale = `${venvDir}.stale-${randomBytes(6).toString('hex')}`;
      await rename(venvDir, stale);
      await rm(stale, { recursive: true, force: true });
      await rename(workDir, venvDir);
    }
    const binDir = join(venvDir, 'bin');
    return { digest, venvDir, binDir, pythonExecutable: join(binDir, 'python'), pythonVersion, durationMs: Date.now() - started, reused: false };
  }

  private log(message: string): void {
    this.options.onLog?.(message);
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
