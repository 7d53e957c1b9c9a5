import { join } from 'node:path';
import { INSTALL_DIR } from '../../core/config.js';

/** The benchmark's probe project (two tiny stdlib stages) on `dataset`, for tests that need fast runs. */
export function probeProject(name: string, dataset: string, onNewData: boolean) {
  return {
    name,
    source_dir: join(INSTALL_DIR, 'bench', 'fixtures', 'probe', 'src'),
    dataset,
    environment: 'stdlib-py311',
    entrypoints: { train: 'probe.py:train', evaluate: 'probe.py:evaluate' },
    default_params: { epochs: 1, extras: { timestamp_file: '' } },
    run_policy: { timeout_seconds: 60 },
    serve: false,
    trigger: { on_new_data: onNewData },
  };
}
