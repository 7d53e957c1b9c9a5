import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The `python3` kernel of a workspace: the environment's interpreter through kiln_sdk.workspace,
 * which adds the JupyterLab overlay's ipykernel after the environment's own packages. Written
 * into `dataDir` (JUPYTER_DATA_DIR, first on JUPYTER_PATH), so it shadows the overlay's own spec.
 */
export async function writeWorkspaceKernelSpec(dataDir: string, python: string): Promise<void> {
  const dir = join(dataDir, 'kernels', 'python3');
  await mkdir(dir, { recursive: true });
  const spec = {
    argv: [python, '-m', 'kiln_sdk.workspace', 'kernel', '-f', '{connection_file}'],
    display_name: 'Python 3 (environment)',
    language: 'python',
    metadata: { debugger: true },
  };
  await writeFile(join(dir, 'kernel.json'), JSON.stringify(spec, null, 2));
}
