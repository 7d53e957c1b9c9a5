import { readSpecFile } from '../../api/cli/apply-file.js';
import type { ProjectSpecInput } from '../../core/specs/project.js';
import { EXAMPLE_FILE, startBenchStack, type BenchStack } from './bench-stack.js';
import { measureKilnRun } from './kiln-run.js';

/** The project the API route is measured with: the example, served. */
export const SERVED_PROJECT = 'serving-bench';

export interface ServedThroughApi {
  bench: BenchStack;
  /** The model server Kiln started, called directly. */
  directUrl: string;
  /** `POST` here with `authorization` for the same server through the API. */
  apiPredictUrl: string;
  authorization: string;
}

/**
 * A fresh embedded stack that trains and serves the example (one run of the pipeline, the model
 * server started by the local deployer as in production), for the predict route's cost.
 */
export async function serveThroughApi(): Promise<ServedThroughApi> {
  const bench = await startBenchStack({ traced: false });
  try {
    const example = readSpecFile(EXAMPLE_FILE);
    await bench.client.applyProject({ ...(example.project as ProjectSpecInput), name: SERVED_PROJECT, source_dir: bench.exampleSourceDir, serve: true });
    await measureKilnRun(bench, SERVED_PROJECT);
    const deployment = await bench.stack.backends.metadata.models.currentDeployment(SERVED_PROJECT);
    if (!deployment) throw new Error(`${SERVED_PROJECT} ran but is not served`);
    return {
      bench,
      directUrl: deployment.url,
      apiPredictUrl: `${bench.stack.apiUrl}/v1/models/${SERVED_PROJECT}/predict`,
      authorization: `Bearer ${bench.stack.adminToken}`,
    };
  } catch (error) {
    await bench.dispose();
    throw error;
  }
}
