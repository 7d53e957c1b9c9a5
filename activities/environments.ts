import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { environmentBuildLogKey } from '../core/artifacts/artifact-keys.js';
import { startEnvironmentBuild, type EnvironmentBuildRef } from '../core/temporal/start-environment-build.js';
import type { ActivityDeps } from './activity-deps.js';
import type { BuiltEnvironmentRef } from '../core/platform/platform.js';
import { classified } from './failures.js';
import { LazyStoredLog } from './lazy-stored-log.js';

/** An environment to build: its name (for messages), spec and spec digest. */
export type EnvironmentRef = EnvironmentBuildRef;

export interface BuildResult {
  digest: string;
  /** The venv directory; on Kubernetes, the image reference. */
  venvDir: string;
  /** The environment's image, when built in the cluster. */
  image?: string;
  pythonVersion: string;
  durationMs: number;
  reused: boolean;
}

/** Environment builds: run once per spec digest, shared by every run that needs them. */
export function createEnvironmentActivities(deps: ActivityDeps) {
  const { metadata, platform, temporal, config } = deps;
  const heartbeatMs = deps.heartbeatIntervalMs ?? 2_000;

  return {
    /** Builds a spec's environment on the platform; the build workflow calls it, one at a time per digest. */
    async buildEnvironment(input: EnvironmentRef): Promise<BuildResult> {
      return classified(async () => {
        const ctx = Context.current();
        const recorded = await metadata.environments.getBuild(input.digest);
        // Built already when this workflow runs again after the first build ended (apply, then a
        // run): the record, its timing and its log stay the real build's.
        const builtBefore = recorded?.status === 'ready' && platform.environments.isAvailable(input.digest);
        if (!builtBefore) await metadata.environments.markBuilding(input.digest);
        let lastLine = '';
        const beat = setInterval(() => ctx.heartbeat({ lastLine }), heartbeatMs);
        // Every line of the build is kept (uv's or Kaniko's), for when a dependency will not install.
        // Opened on the first line: a build that finds its environment on disk writes nothing.
        const log = new LazyStoredLog((body) => deps.artifacts.put(environmentBuildLogKey(input.digest, ctx.info.attempt), body));
        try {
          const options = {
            signal: ctx.cancellationSignal,
            onLine: (line: string) => {
              lastLine = line;
              log.write(`${line}\n`);
            },
          };
          const built = await platform.environments.build(input.spec, input.digest, options);
          if (builtBefore && built.reused) return buildResultOf(input.digest, built);
          await metadata.environments.markReady(input.digest, {
            venvPath: built.location,
            pythonExecutable: built.pythonExecutable,
            durationMs: built.durationMs,
          });
          return buildResultOf(input.digest, built);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          // A failed build always has a log that says why, even one that failed before its first line.
          log.write(`kiln: the build failed: ${message}\n`);
          const stored = await log.close();
          await metadata.environments.markFailed(input.digest, stored ? `${message} (build log: ${deps.artifacts.uri(stored.key)})` : message);
          throw error;
        } finally {
          clearInterval(beat);
          await log.close();
        }
      });
    },

    /**
     * Starts the build workflow for this digest, or joins the one already running, and waits.
     * Cancelling a run stops the waiting only: the build is shared with other runs.
     */
    async awaitEnvironmentBuild(input: EnvironmentRef): Promise<{ waitedMs: number }> {
      const ctx = Context.current();
      const started = Date.now();
      const handle = await startEnvironmentBuild(temporal, config.taskQueue, input);
      const beat = setInterval(() => ctx.heartbeat(), heartbeatMs);
      try {
        await Promise.race([handle.result(), ctx.cancelled]);
      } catch (error) {
        // A build that failed for good (bad dependency, no interpreter) fails every waiting run for good.
        const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
        if (cause instanceof ApplicationFailure) {
          throw ApplicationFailure.create({ type: cause.type ?? 'EnvironmentBuildError', message: cause.message, nonRetryable: cause.nonRetryable ?? false });
        }
        throw error;
      } finally {
        clearInterval(beat);
      }
      return { waitedMs: Date.now() - started };
    },
  };
}

function buildResultOf(digest: string, built: BuiltEnvironmentRef): BuildResult {
  return {
    digest,
    venvDir: built.location,
    ...(built.image ? { image: built.image } : {}),
    pythonVersion: built.pythonVersion,
    durationMs: built.durationMs,
    reused: built.reused,
  };
}
