/**
 * The run contract: how Kiln hands a stage to user code, in any language. The executor
 * starts the stage command in a fresh working directory holding the project's source
 * snapshot, with these environment variables set. README "Run contract" documents it;
 * sdk/python/kiln_sdk/contract.py mirrors these names.
 */
export const RUN_CONTRACT_ENV = {
  /** Run id, e.g. `breast-cancer-20261121-233000-a1b2`. */
  runId: 'KILN_RUN_ID',
  /** `preprocess`, `train`, `evaluate` or `serve`. */
  stage: 'KILN_STAGE',
  /** 1-based attempt number of this stage. */
  attempt: 'KILN_ATTEMPT',
  /** The stage's entrypoint (`file.py:Name` or `script.py`). */
  entrypoint: 'KILN_ENTRYPOINT',
  /** JSON file: the resolved hyperparameters (learning_rate, batch_size, epochs, seed, extras). */
  paramsFile: 'KILN_PARAMS_FILE',
  /** Directory with the dataset version: `train.csv`, `test.csv`, `dataset.json`. */
  datasetDir: 'KILN_DATASET_DIR',
  /** Directory with one sub-directory per upstream stage's outputs (`preprocess/`, `train/`). */
  inputsDir: 'KILN_INPUTS_DIR',
  /** Empty directory; everything written here becomes this stage's outputs (train: the model). */
  outputDir: 'KILN_OUTPUT_DIR',
  /** Empty directory for checkpoints; Kiln uploads each complete one while the stage runs and when it ends. */
  checkpointDir: 'KILN_CHECKPOINT_DIR',
  /**
   * Set only when a retried stage resumes (`auto_resume`): a directory holding the latest
   * checkpoint of the previous attempts and its `latest` pointer (kiln_sdk/checkpoint.py layout).
   */
  resumeCheckpoint: 'KILN_RESUME_CHECKPOINT',
  /** The project's source snapshot (also the working directory). */
  sourceDir: 'KILN_SOURCE_DIR',
  /** Where metric lines go: always `stdout` for now (see metric-line.ts). */
  metricsSink: 'KILN_METRICS_SINK',
  /** serve only: directory holding the model to load, and the port to listen on. */
  modelDir: 'KILN_MODEL_DIR',
  servePort: 'KILN_SERVE_PORT',
} as const;

export type RunContractEnv = Record<(typeof RUN_CONTRACT_ENV)[keyof typeof RUN_CONTRACT_ENV], string>;

/** File names inside KILN_DATASET_DIR. */
export const DATASET_FILES = { train: 'train.csv', test: 'test.csv', manifest: 'dataset.json' } as const;
