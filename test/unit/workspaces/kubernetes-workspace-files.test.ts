import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { fetchWorkspaceFiles, syncWorkspaceFiles, WorkspaceFileMirror } from '../../../core/workspaces/kubernetes/workspace-files.js';
import { buildWorkspacePod } from '../../../core/workspaces/kubernetes/workspace-pod.js';

describe('a workspace pod’s files (the container side: fetch, then mirror to the store)', () => {
  let store: FilesystemArtifactStore;
  let root: string;
  const prefix = 'workspaces/nb/files';

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ws-files-'));
    store = new FilesystemArtifactStore(join(dir, 'artifacts'));
    root = join(dir, 'pod');
    await store.put(`${prefix}/src/train.py`, 'print(1)\n');
    await store.put(`${prefix}/notes.md`, 'keep\n');
    const sdk = join(dir, 'sdk');
    await mkdir(join(sdk, 'kiln_sdk'), { recursive: true });
    await writeFile(join(sdk, 'kiln_sdk', '__init__.py'), '');
    await fetchWorkspaceFiles(store, { filesPrefix: prefix, syncSeconds: 15 }, root, sdk);
  });

  it('fetches the files, the SDK and a kernel spec that runs the environment’s python through kiln_sdk.workspace', async () => {
    expect(await readFile(join(root, 'files', 'src', 'train.py'), 'utf8')).toBe('print(1)\n');
    expect(await readFile(join(root, 'sdk', 'kiln_sdk', '__init__.py'), 'utf8')).toBe('');
    const kernel = JSON.parse(await readFile(join(root, 'jupyter', 'data', 'kernels', 'python3', 'kernel.json'), 'utf8'));
    expect(kernel.argv.slice(0, 4)).toEqual(['python', '-m', 'kiln_sdk.workspace', 'kernel']);
  });

  it('uploads only what changed, and deletes from the store what was deleted in the pod', async () => {
    const mirror = new WorkspaceFileMirror(store, prefix, join(root, 'files'));
    await mirror.assumeStored();
    expect(await mirror.sync()).toBe(0);
    await writeFile(join(root, 'files', 'src', 'train.py'), 'print(2)\n');
    // A later mtime, whatever the file system's clock resolution.
    await utimes(join(root, 'files', 'src', 'train.py'), new Date(), new Date(Date.now() + 5_000));
    await writeFile(join(root, 'files', 'new.ipynb'), '{}');
    await rm(join(root, 'files', 'notes.md'));
    expect(await mirror.sync()).toBe(3);
    expect((await store.getBuffer(`${prefix}/src/train.py`)).toString()).toBe('print(2)\n');
    expect(await store.list(prefix)).toEqual([`${prefix}/new.ipynb`, `${prefix}/src/train.py`]);
    expect(await mirror.sync()).toBe(0);
  });

  it('the sidecar stores the files once more when it is stopped, however long until its next pass', async () => {
    const stop = new AbortController();
    const sidecar = syncWorkspaceFiles(store, { filesPrefix: prefix, syncSeconds: 3600 }, root, stop.signal);
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(join(root, 'files', 'last-minute.txt'), 'saved');
    stop.abort();
    await sidecar;
    expect((await store.getBuffer(`${prefix}/last-minute.txt`)).toString()).toBe('saved');
  });
});

describe('a workspace pod', () => {
  const settings = KubernetesSettings.parse({
    namespace: 'ml',
    nodeSelector: { pool: 'gpu' },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  });
  const pod = buildWorkspacePod(
    { name: 'nb', image: 'registry.test/kiln-env:abc', limits: { cpu: 2, memory: 4096, gpus: 1 }, jupyterlabVersion: '4.6.6', port: 8888, syncSeconds: 15 },
    settings,
  );
  const server = pod.spec!.containers[0]!;

  it('runs JupyterLab in the environment’s image with GPUs requested and the node pool’s selector and tolerations', () => {
    expect(server.image).toBe('registry.test/kiln-env:abc');
    expect(server.resources).toEqual({
      requests: { cpu: '2', memory: '4096Mi', 'nvidia.com/gpu': '1' },
      limits: { cpu: '2', memory: '4096Mi', 'nvidia.com/gpu': '1' },
    });
    expect(pod.spec).toMatchObject({ nodeSelector: { pool: 'gpu' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] });
  });

  it('reads its token from the workspace’s Secret, never from the spec', () => {
    expect(server.env!.find((e) => e.name === 'JUPYTER_TOKEN')).toEqual({
      name: 'JUPYTER_TOKEN',
      valueFrom: { secretKeyRef: { name: 'kiln-workspace-nb', key: 'token' } },
    });
    expect(JSON.stringify(pod)).not.toMatch(/token=/);
  });

  it('installs the pinned JupyterLab beside the environment, and syncs the files in a native sidecar', () => {
    const [fetch, install, sync] = pod.spec!.initContainers!;
    expect([fetch!.name, install!.name, sync!.name]).toEqual(['fetch-files', 'install-jupyterlab', 'sync-files']);
    expect(install!.args).toEqual(['jupyterlab==4.6.6']);
    expect(install!.command).toContain('/kiln/workspace/overlay');
    expect(sync!.restartPolicy).toBe('Always');
  });
});
