import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointPrefix } from '../../../core/artifacts/artifact-keys.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { checkpointFromHeartbeat } from '../../../core/checkpoints/checkpoint-ref.js';
import { findLatestCheckpoint, restoreCheckpoint } from '../../../core/checkpoints/checkpoint-restore.js';
import { CheckpointUploader } from '../../../core/checkpoints/checkpoint-uploader.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `kiln-${name}-`));
  dirs.push(dir);
  return dir;
};
const prefix = checkpointPrefix('run-1', 'train');
const name = (step: number, ext = 'json') => `checkpoint-${String(step).padStart(8, '0')}.${ext}`;

/** A checkpoint directory as kiln_sdk writes it: complete files plus its temp files and `latest`. */
function setup() {
  const store = new FilesystemArtifactStore(tempDir('store'));
  const local = tempDir('ckpt');
  const write = (step: number, body = `{"step":${step}}`, ext = 'json') => {
    writeFileSync(join(local, name(step, ext)), body);
    writeFileSync(join(local, 'latest'), `${name(step, ext)}\n`);
  };
  return { store, local, write };
}

describe('CheckpointUploader', () => {
  it('never uploads a checkpoint that is really a link out of its directory', async () => {
    const { store, local, write } = setup();
    const outside = join(tempDir('outside'), 'secret.json');
    writeFileSync(outside, '{"secret": true}');
    write(1);
    symlinkSync(outside, join(local, name(2)));
    symlinkSync('/proc/self/environ', join(local, name(3)));
    const uploader = new CheckpointUploader(store, prefix, local);
    expect(await uploader.finish()).toEqual({ key: `${prefix}/${name(1)}`, step: 1 });
    expect(await store.list(prefix)).toEqual([`${prefix}/${name(1)}`]);
  });

  it('uploads each new complete checkpoint once and reports the newest', async () => {
    const { store, local, write } = setup();
    const uploader = new CheckpointUploader(store, prefix, local);
    expect(await uploader.sync()).toBeUndefined();
    write(1);
    write(2);
    writeFileSync(join(local, `.${name(3)}.abc.tmp`), 'half written');
    expect(await uploader.sync()).toEqual({ key: `${prefix}/${name(2)}`, step: 2 });
    write(3, 'bytes', 'bin');
    expect(await uploader.finish()).toEqual({ key: `${prefix}/${name(3, 'bin')}`, step: 3 });
    expect(await store.list(prefix)).toEqual([1, 2].map((s) => `${prefix}/${name(s)}`).concat(`${prefix}/${name(3, 'bin')}`));
    expect((await store.getBuffer(`${prefix}/${name(3, 'bin')}`)).toString()).toBe('bytes');
  });

  it('concurrent syncs share one pass instead of uploading twice', async () => {
    const { store, local, write } = setup();
    write(5);
    const uploader = new CheckpointUploader(store, prefix, local);
    const [a, b] = await Promise.all([uploader.sync(), uploader.sync()]);
    expect(a).toEqual(b);
    expect(await store.list(prefix)).toEqual([`${prefix}/${name(5)}`]);
  });

  it('keeps the checkpoint it resumed from as latest until a newer one appears', async () => {
    const { store, local, write } = setup();
    const resumed = { key: `${prefix}/${name(7)}`, step: 7 };
    const uploader = new CheckpointUploader(store, prefix, local, resumed);
    expect(await uploader.sync()).toBe(resumed);
    write(8);
    expect((await uploader.sync())?.step).toBe(8);
  });

  it('tolerates a missing checkpoint directory', async () => {
    const store = new FilesystemArtifactStore(tempDir('store'));
    expect(await new CheckpointUploader(store, prefix, join(tempDir('gone'), 'nope')).finish()).toBeUndefined();
  });
});

describe('finding and restoring the latest checkpoint', () => {
  it('picks the newest of the heartbeated and the stored checkpoints', async () => {
    const { store, local, write } = setup();
    [1, 2, 10].forEach((s) => write(s));
    await new CheckpointUploader(store, prefix, local).finish();
    expect(await findLatestCheckpoint(store, prefix)).toEqual({ key: `${prefix}/${name(10)}`, step: 10 });
    // A throttled heartbeat lags behind the last upload: the store wins.
    expect(await findLatestCheckpoint(store, prefix, { key: `${prefix}/${name(2)}`, step: 2 })).toEqual({ key: `${prefix}/${name(10)}`, step: 10 });
    expect(await findLatestCheckpoint(store, checkpointPrefix('run-2', 'train'))).toBeUndefined();
  });

  it('restores one checkpoint with the SDK latest pointer', async () => {
    const { store, local, write } = setup();
    write(4, '{"w":1.5}');
    const ref = (await new CheckpointUploader(store, prefix, local).finish())!;
    const dir = join(tempDir('ws'), 'resume');
    await restoreCheckpoint(store, ref, dir);
    expect(readFileSync(join(dir, 'latest'), 'utf8')).toBe(`${name(4)}\n`);
    expect(readFileSync(join(dir, name(4)), 'utf8')).toBe('{"w":1.5}');
  });

  it.each([
    ['details without a checkpoint', { lines: 3, metrics: 1 }, undefined],
    ['no details', undefined, undefined],
    ['a key outside the stage prefix', { checkpoint: { key: 'runs/other/train/checkpoints/checkpoint-00000001.json', step: 1 } }, undefined],
    ['a key that is not a checkpoint', { checkpoint: { key: `${prefix}/latest`, step: 1 } }, undefined],
    ['a valid reference', { lines: 1, checkpoint: { key: `${prefix}/${name(3)}`, step: 3 } }, { key: `${prefix}/${name(3)}`, step: 3 }],
  ])('reads the heartbeat checkpoint from %s', (_, details, expected) => {
    expect(checkpointFromHeartbeat(details, prefix)).toEqual(expected);
  });
});
