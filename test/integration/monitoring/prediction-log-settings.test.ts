/**
 * A project's `prediction_log` reaches what serving a version of its model starts from: the
 * serving target, read from a real SQLite registry (the deployers turn it into the server's
 * environment, tested in model-deployment.test.ts; the server's use of it in prediction-log.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { Hyperparameters } from '../../../core/specs/hyperparameters.js';
import { ProjectSpec } from '../../../core/specs/project.js';
import { RunPolicy } from '../../../core/specs/run-policy.js';
import { resolveServingTarget } from '../../../core/serving/serving-target.js';
import { useScratchRegistry } from '../../support/scratch-registry.js';

const scratch = useScratchRegistry('predlog-settings');

async function versionOf(project: string, predictionLog?: unknown): Promise<void> {
  const { metadata } = scratch;
  await metadata.projects.upsert(
    ProjectSpec.parse({
      name: project,
      source_dir: '/src',
      dataset: 'd',
      entrypoints: { train: 'model.py:Model', evaluate: 'model.py:Model' },
      ...(predictionLog ? { prediction_log: predictionLog } : {}),
    }),
  );
  const runId = `${project}-run`;
  await metadata.runs.createRun({ id: runId, project, modelName: project, workflowId: runId, params: Hyperparameters.parse({}), policy: RunPolicy.parse({}) });
  await metadata.models.register({
    modelName: project,
    runId,
    params: Hyperparameters.parse({}),
    metrics: {},
    artifactPrefix: `models/${project}/v1`,
    sourceDigest: 'a'.repeat(64),
    environmentDigest: 'b'.repeat(64),
  });
}

describe('prediction_log settings when serving', () => {
  it("carries the project's sampling rate and cap to the serving target", async () => {
    await versionOf('sampled', { sample: 0.1, max_per_second: 40 });
    expect((await resolveServingTarget(scratch.metadata, 'sampled', 1)).predictionLog).toEqual({ sample: 0.1, max_per_second: 40 });
  });

  it('logs every prediction up to the default rate when the project says nothing', async () => {
    await versionOf('plain');
    expect((await resolveServingTarget(scratch.metadata, 'plain', 1)).predictionLog).toEqual({ sample: 1, max_per_second: 2000 });
  });
});
