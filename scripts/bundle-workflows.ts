// Prebuilds the workflow bundles, untraced and traced, so workers start without webpack (run by `make build`).
import { writeFile, mkdir } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { INSTALL_DIR } from '../core/config.js';
import { prebuiltBundleName, workflowBundleOptions } from '../workers/workflow-bundle.js';

await mkdir(`${INSTALL_DIR}/dist`, { recursive: true });
for (const traced of [false, true]) {
  const { code } = await bundleWorkflowCode(workflowBundleOptions(INSTALL_DIR, { traced }));
  await writeFile(`${INSTALL_DIR}/dist/${prebuiltBundleName(traced)}`, code);
}
