import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stageLogKey, stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import { homePaths } from '../core/config.js';
import { parseMetricLine, type MetricPoint } from '../core/runner/metric-line.js';
import { stageEnvironment } from '../core/runner/stage-environment.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { ActivityDeps } from './activity-deps.js';
import { prepareStageWorkspace } from './stage-workspace.js';

export interface StageInput {
  runId: string;
  stage: 'preprocess' | 'train' | 'evaluate';
  entrypoint: string;
  upstream: ('preprocess' | 'train')[];
  sourceDigest: string;
  datasetPrefix: string;
  environmentDigest: string;
  params: Hyperparameters;
  timeoutSeconds: number;
}

export interface StageResult {
  attempt: number;
  startedAt: string;
  finishedAt: string;
  /** Whole activity, including fetching inputs and storing outputs. */
  durationMs: number;
  /** The user process alone. */
  processMs: number;
  /** Last value of each metric the stage logged. */
  metrics: Record<string, number>;
  logUri: string;
}

/** Exit code kiln_sdk uses for bad params or a broken run contract: retrying cannot help. */
const INPUT_ERROR_EXIT_CODE = 2;

export function createStageActivities(deps: ActivityDeps) {
  const { artifacts, executor, metadata, environments, config } = deps;
  const heartbeatMs = deps.heartbeatIntervalMs ?? 2_000;

  return {
    /** Runs one stage process with the run contract; logs and outputs go to the artifact store. */
    async runStage(input: StageInput): Promise<StageResult> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const started = new Date();
      const built = environments.locate(input.environmentDigest);
      if (!built) throw ApplicationFailure.nonRetryable(`environment ${input.environmentDigest.slice(0, 12)} is not built on this worker`, 'EnvironmentUnavailableError');
      await metadata.runs.upsertStage({ runId: input.runId, stage: input.stage, status: 'running', attempt, startedAt: started.getTime() });

      const root = join(homePaths(config.home).work, input.runId, `${input.stage}-${attempt}`);
      const ws = await prepareStageWorkspace(artifacts, root, input);
      await writeFile(ws.paramsFile, JSON.stringify(input.params));

      const logKey = stageLogKey(input.runId, input.stage, attempt);
      const log = new PassThrough();
      const logStored = artifacts.put(logKey, log);
      const metrics: MetricPoint[] = [];
      const tail: string[] = [];
      let lines = 0;
      const beat = setInterval(() => ctx.heartbeat({ lines, metrics: metrics.length }), heartbeatMs);
      let exit;
      try {
        exit = await executor.run(
          {
            id: `${input.runId}/${input.stage}/${attempt}`,
            command: [built.pythonExecutable, '-m', 'kiln_sdk.stage'],
            workingDirectory: ws.sourceDir,
            env: stageEnvironment({ built, sdkDir: deps.sdkDir, ws, runId: input.runId, stage: input.stage, attempt, entrypoint: input.entrypoint }),
            timeoutMs: input.timeoutSeconds * 1000,
            signal: ctx.cancellationSignal,
          },
          {
            onLine(line, stream) {
              lines += 1;
              log.write(`${stream === 'stderr' ? '!' : ' '} ${line}\n`);
              const parsed = parseMetricLine(line);
              if (parsed.kind === 'metric') metrics.push(parsed.metric);
              else if (parsed.kind === 'invalid') log.write(`! kiln: ignored malformed metric line: ${parsed.reason}\n`);
              tail.push(line);
              if (tail.length > 20) tail.shift();
            },
          },
        );
      } finally {
        clearInterval(beat);
        log.end();
      }
      const succeeded = !exit.cancelled && !exit.timedOut && exit.exitCode === 0;
      // Independent writes, in parallel: each costs a few ms and every stage pays them.
      const [logInfo] = await Promise.all([
        logStored,
        metadata.metrics.recordMany(input.runId, input.stage, metrics),
        succeeded ? artifacts.putDirectory(stageOutputPrefix(input.runId, input.stage), ws.outputDir) : undefined,
      ]);
      const finished = new Date();
      const stageRecord = { runId: input.runId, stage: input.stage, attempt, startedAt: started.getTime(), finishedAt: finished.getTime(), durationMs: finished.getTime() - started.getTime(), processMs: exit.durationMs };

      if (exit.cancelled) {
        await metadata.runs.upsertStage({ ...stageRecord, status: 'cancelled', message: 'cancelled' });
        throw new CancelledFailure(`${input.stage} cancelled`);
      }
      if (exit.timedOut || exit.exitCode !== 0) {
        const reason = exit.timedOut
          ? `${input.stage} exceeded timeout_seconds=${input.timeoutSeconds}; its process group was killed`
          : `${input.stage} exited with ${exit.exitCode === null ? `signal ${exit.signal}` : `code ${exit.exitCode}`}: ${lastMeaningful(tail)}`;
        await metadata.runs.upsertStage({ ...stageRecord, status: 'failed', message: reason });
        const type = exit.timedOut ? 'StageTimeout' : exit.exitCode === INPUT_ERROR_EXIT_CODE ? 'StageInputError' : 'StageProcessFailed';
        throw ApplicationFailure.create({ type, message: reason, nonRetryable: type === 'StageInputError', details: [{ logUri: artifacts.uri(logInfo.key) }] });
      }
      const done = new Date();
      const result: StageResult = {
        attempt,
        startedAt: started.toISOString(),
        finishedAt: done.toISOString(),
        durationMs: done.getTime() - started.getTime(),
        processMs: exit.durationMs,
        metrics: Object.fromEntries(metrics.map((m) => [m.name, m.value])),
        logUri: artifacts.uri(logInfo.key),
      };
      await metadata.runs.upsertStage({ ...stageRecord, finishedAt: done.getTime(), durationMs: result.durationMs, status: 'succeeded' });
      // Outputs and log are in the artifact store now; a failed attempt's directory stays for inspection.
      void rm(ws.root, { recursive: true, force: true }).catch(() => {});
      return result;
    },
  };
}

function lastMeaningful(tail: string[]): string {
  const line = [...tail].reverse().find((l) => l.trim() && !l.startsWith('KILN_METRIC'));
  return line ? line.trim().slice(0, 300) : 'no output';
}
