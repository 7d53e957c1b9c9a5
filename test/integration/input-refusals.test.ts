import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnApiError, type KilnApiClient } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';

const REPO = join(__dirname, '..', '..');
const fixture = join(REPO, 'test', 'fixtures', 'sleepy');
let stack: EmbeddedStack;
let client: KilnApiClient;
let root: string;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'kiln-input-root-')));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'train.py'), 'print(1)\n');
  symlinkSync('/etc/passwd', join(root, 'passwd.csv'));
  // Roots: the repository (the fixture, as `kiln apply -f` sends it) and one data directory; not the rest of /tmp.
  ({ stack, client } = await startTestStack('input-refusals', { dataRoots: [REPO, root] }));
  await applySpecFile(client, readSpecFile(join(fixture, 'kiln.json')));
});
afterAll(async () => stack?.stop());

async function refusal(request: Promise<unknown>) {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  expect((error as KilnApiError).status).toBe(400);
  return (error as KilnApiError).fields.map((f) => f.path);
}

describe('the API refuses unsafe inputs with a 400 naming the field, and creates nothing', () => {
  it.each([
    ['/etc/passwd', () => '/etc/passwd'],
    ['/proc/self/environ', () => '/proc/self/environ'],
    ['a symlink inside a root pointing at /etc/passwd', () => join(root, 'passwd.csv')],
    ['a directory', () => join(root, 'src')],
    ['a relative path climbing out of the API directory', () => '../../../../../../etc/passwd'],
    ['a file in another temporary directory', () => join(tmpdir(), 'not-a-root.csv')],
  ])('dataset.path: %s', async (label, path) => {
    const name = `refused-${label
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 40)
      .replace(/^-|-$/g, '')}`;
    expect(await refusal(client.applyDataset({ name, path: path(), target_column: 'label' }))).toEqual(['dataset.path']);
    expect((await client.listDatasets()).map((d) => (d as { name: string }).name)).not.toContain(name);
  });

  it.each([
    ['the file system root', '/'],
    ['/etc', '/etc'],
    ['a directory outside the roots', tmpdir()],
  ])('project.source_dir: %s', async (_label, sourceDir) => {
    const project = { ...readSpecFile(join(fixture, 'kiln.json')).project!, name: 'refused-project', source_dir: sourceDir };
    expect(await refusal(client.applyProject(project))).toEqual(['project.source_dir']);
    expect((await client.listProjects()).map((p) => (p as { name: string }).name)).not.toContain('refused-project');
  });

  it.each([
    ['base_image with a Dockerfile instruction after a line break', { base_image: 'alpine\nRUN id' }, 'environment.base_image'],
    ['a pip option as a dependency', { dependencies: ['--index-url=https://evil.example/simple'] }, 'environment.dependencies[0]'],
    ['a CPU limit over the cap', { cpu_limit: 100_000 }, 'environment.cpu_limit'],
  ])('environment: %s', async (_label, fields, field) => {
    expect(await refusal(client.applyEnvironment({ name: 'refused-env', python_version: '3.11', ...fields }))).toEqual([field]);
    expect((await client.listEnvironments()).map((e) => (e as { name: string }).name)).not.toContain('refused-env');
  });

  it('?limit= outside 1–1000', async () => {
    expect(await refusal(client.listRuns({ limit: 1001 }))).toEqual(['limit']);
  });

  it('accepts the fixture applied as `kiln apply -f` sends it (paths resolved against the spec file, inside the repository root)', async () => {
    expect((await client.listProjects()).map((p) => (p as { name: string }).name)).toContain('sleepy');
  });
});
