// Prebuilds the workflow bundle so workers start without webpack (run by `make build`).
import { writeFile, mkdir } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { INSTALL_DIR } from '../core/config.js';
import { workflowBundleOptions } from '../workers/workflow-bundle.js';

const { code } = await bundleWorkflowCode(workflowBundleOptions(INSTALL_DIR));
await mkdir(`${INSTALL_DIR}/dist`, { recursive: true });
await writeFile(`${INSTALL_DIR}/dist/workflow-bundle.js`, code);
