import { RUN_CONTRACT_ENV as E } from './run-contract.js';

export interface StageEnvironmentInput {
  built: { binDir: string; venvDir: string };
  sdkDir: string;
  ws: { sourceDir: string; datasetDir: string; inputsDir: string; outputDir: string; checkpointDir: string; paramsFile: string };
  runId: string;
  stage: string;
  attempt: number;
  entrypoint: string;
  /** A directory with the checkpoint to resume from; absent when the stage starts over. */
  resumeDir?: string;
}

/**
 * The complete environment of a stage process: the run contract plus just enough to run
 * Python in the environment's venv. Nothing leaks in from the worker's own environment.
 */
export function stageEnvironment(input: StageEnvironmentInput): Record<string, string> {
  const { ws } = input;
  return {
    PATH: `${input.built.binDir}:/usr/local/bin:/usr/bin:/bin`,
    VIRTUAL_ENV: input.built.venvDir,
    PYTHONPATH: input.sdkDir,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    HOME: ws.sourceDir,
    LANG: 'C.UTF-8',
    [E.runId]: input.runId,
    [E.stage]: input.stage,
    [E.attempt]: String(input.attempt),
    [E.entrypoint]: input.entrypoint,
    [E.paramsFile]: ws.paramsFile,
    [E.datasetDir]: ws.datasetDir,
    [E.inputsDir]: ws.inputsDir,
    [E.outputDir]: ws.outputDir,
    [E.checkpointDir]: ws.checkpointDir,
    [E.sourceDir]: ws.sourceDir,
    [E.metricsSink]: 'stdout',
    ...(input.resumeDir ? { [E.resumeCheckpoint]: input.resumeDir } : {}),
  };
}
