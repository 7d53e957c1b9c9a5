import { join } from 'node:path';

/** Where a stage's files sit under its workspace root, on a worker or in a pod (`/kiln/workspace`). */
export interface StageWorkspace {
  root: string;
  sourceDir: string;
  datasetDir: string;
  inputsDir: string;
  outputDir: string;
  checkpointDir: string;
  /** Created only when the stage resumes: the checkpoint it starts from. */
  resumeDir: string;
  paramsFile: string;
}

export function workspaceLayout(root: string): StageWorkspace {
  return {
    root,
    sourceDir: join(root, 'src'),
    datasetDir: join(root, 'dataset'),
    inputsDir: join(root, 'inputs'),
    outputDir: join(root, 'output'),
    checkpointDir: join(root, 'checkpoints'),
    resumeDir: join(root, 'resume'),
    paramsFile: join(root, 'params.json'),
  };
}
