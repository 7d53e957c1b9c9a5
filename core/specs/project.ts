import { z } from 'zod';
import { Hyperparameters } from './hyperparameters.js';
import { ProjectTrigger, PromotionPolicy } from './promotion.js';
import { LIMITS, PathString } from './limits.js';
import { MonitoringSpec } from './monitoring.js';
import { ResourceName } from './names.js';
import { PredictionLogSettings } from './prediction-log.js';
import { RolloutSpec } from './rollout.js';
import { RunPolicy } from './run-policy.js';
import { ServeOption } from './serve-settings.js';
import { ValidationGate } from './validation-gate.js';

/**
 * An entrypoint: `file.py:Name` (a function taking the stage context, or a KilnModel subclass
 * whose stage method is called) or a plain `script.py` run as a program. Paths are relative
 * to the project's source directory.
 */
const Entrypoint = z
  .string()
  .max(LIMITS.entrypoint)
  .regex(/^[\w./-]+\.py(:[A-Za-z_]\w*)?$/, 'must be "file.py" or "file.py:Name"')
  .refine((e) => !e.startsWith('/') && !e.split(/[/:]/).includes('..'), 'must stay inside source_dir (no absolute path, no "..")');

export { STAGES, type StageName } from '../pipeline/stage-names.js';

/**
 * Project: what a run executes (source, dataset, entrypoints, default params), apart from
 * the Environment it runs in.
 */
export const ProjectSpec = z
  .object({
    name: ResourceName,
    description: z.string().max(LIMITS.text).optional(),
    /**
     * Directory holding the user's code; snapshotted (content-addressed) at run start. Must lie
     * inside the data roots and stay under LIMITS.sourceFiles / LIMITS.sourceBytes.
     */
    source_dir: PathString,
    dataset: ResourceName,
    /** Environment to run in; the default environment when omitted. */
    environment: ResourceName.optional(),
    /** Registered model name; defaults to the project name. */
    model_name: ResourceName.optional(),
    entrypoints: z
      .object({
        preprocess: Entrypoint.optional(),
        train: Entrypoint,
        evaluate: Entrypoint,
        predict: Entrypoint.optional(),
      })
      .strict(),
    default_params: Hyperparameters.default({ learning_rate: 0.01, batch_size: 32, epochs: 10, seed: 42, extras: {} }),
    run_policy: RunPolicy.default({ timeout_seconds: 300, retry_count_limit: 0, auto_resume: false }),
    validation_gate: ValidationGate.default({ thresholds: [] }),
    /**
     * Fork local stages from the environment's fork server when it declares `warm_imports`
     * (default true); false starts every stage as a fresh interpreter.
     */
    warm_start: z.boolean().optional(),
    /**
     * Serve each version that passes the gate: `true`, or the server's settings
     * (`{"workers": 2}`, core/specs/serve-settings.ts); `false` registers it only.
     */
    serve: ServeOption.default(true),
    /** How a version that passed the gate becomes champion (core/specs/promotion.ts). */
    promotion: PromotionPolicy.default({ mode: 'auto', approval_timeout: '24h' }),
    /** Runs started by events: `on_new_data` starts one per new version of the dataset. */
    trigger: ProjectTrigger.default({ on_new_data: false }),
    /** Which predictions the model's servers record (core/specs/prediction-log.ts); absent: all, up to 2,000 a second. */
    prediction_log: PredictionLogSettings.optional(),
    /** Drift monitoring of the served model (core/specs/monitoring.ts); absent: not monitored. */
    monitoring: MonitoringSpec.optional(),
    /**
     * How a version that wins promotion replaces the serving one (core/specs/rollout.ts); absent:
     * `replace`. A canary or shadow runs as the model's rollout workflow, a child of the run.
     */
    rollout: RolloutSpec.optional(),
  })
  .strict();
export type ProjectSpecInput = z.input<typeof ProjectSpec>;
export type ProjectSpec = z.output<typeof ProjectSpec>;
