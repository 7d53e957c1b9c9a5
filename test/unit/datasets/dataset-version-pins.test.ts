/**
 * Stored versions keep their ids, splits and profiles: every object a version stores is pinned
 * here by its sha256, as Kiln wrote them before datasets were streamed (computed with the
 * in-memory implementation at a171e81). Each fixture is read whole, in small chunks and through
 * a real file, so chunk boundaries fall everywhere, including inside quoted fields.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSource } from '../../../core/datasets/dataset-source.js';
import { scanDataset } from '../../../core/datasets/dataset-scan.js';
import { storeDatasetVersion, storeScannedDataset } from '../../../core/datasets/store-dataset-version.js';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { MemoryArtifactStore } from '../snapshots/memory-artifact-store.js';
import { breastCancerCsv, generatedCsv, oneColumnCsv, quirkyCsv } from './dataset-fixtures.js';

const FIXTURES = {
  'breast-cancer': breastCancerCsv(),
  quirky: quirkyCsv(),
  'quirky-lf': quirkyCsv(true),
  'one-column': oneColumnCsv(),
  generated: generatedCsv(),
};

const PINNED = [
  {
    fixture: 'breast-cancer',
    target: 'target',
    split: {},
    version: '4da34825e7018ded',
    trainRows: 456,
    testRows: 113,
    sha256: {
      'source.csv': '7dd8e4f78b55cb5fa3cba00b0e61fa6046cbadcdaaa60ca5e48827b536723906',
      'train.csv': '8718d09a441e7eb57612c2da073652de7e7ed38ac8d9737b9c97c355633a137c',
      'test.csv': 'c89d8c4d1e67b8f264c187fdac57b61a34de850b0b48780477d548c48b851be5',
      'profile.json': '397f4736e482f58d57ebced53285d2da7fefde19e669c47048c7e4561a7daed8',
      'dataset.json': '300ed66d6d0ee1fcf231a1b0200034d471ad4656d38fb370f1f37b69db9777cb',
    },
  },
  {
    fixture: 'breast-cancer',
    target: 'target',
    split: { seed: 42, test_fraction: 0.3, stratify: false },
    version: '4a594307747a9fb5',
    trainRows: 398,
    testRows: 171,
    sha256: {
      'source.csv': '7dd8e4f78b55cb5fa3cba00b0e61fa6046cbadcdaaa60ca5e48827b536723906',
      'train.csv': '6754082b439a90bc117235ce352f365f09bc8810dc112fbb5b2cf2d3315e3fbc',
      'test.csv': 'c20f95dc8a6a5e7f10497f07461ce8d325225cb427607ea0e278a143438cd4a2',
      'profile.json': '3a173861eed3119762b174bbdbe135765a03361ac02c521e1ba7ca1a37068f3d',
      'dataset.json': '8d4b003b9469de00ef91dd03e1f85e99f07e85c300e4d6639a00fd734e829b03',
    },
  },
  {
    fixture: 'quirky',
    target: 'grade',
    split: {},
    version: '92c9f3f46beff1dd',
    trainRows: 192,
    testRows: 48,
    sha256: {
      'source.csv': '41169482af4bfee9e120e5c8ce73ff27955e9e569e81af9797088f2d2303d2fd',
      'train.csv': 'f09a79c6e6fe43aaf8713fb28dd795cb82c7c8f6f48a1a8c1d0dc5fca698456b',
      'test.csv': 'c7340b92528d0e118bb4f48db1bf1e29f426455c60046d1d49772f62f20e7531',
      'profile.json': '86b4e8d9dd923c4133f7565a4e85eca96e62fa9bd4e6cdba1b0b6adeea7c49ec',
      'dataset.json': '2bd39006ae7ddf69ee196783a5c86c963689614e9631bb08e2a3406b7fd7beec',
    },
  },
  {
    fixture: 'quirky',
    target: 'grade',
    split: { seed: 3, test_fraction: 0.25, stratify: false },
    version: 'd95ffa630fa0983c',
    trainRows: 180,
    testRows: 60,
    sha256: {
      'source.csv': '41169482af4bfee9e120e5c8ce73ff27955e9e569e81af9797088f2d2303d2fd',
      'train.csv': 'e4ecf563262ca9d2fde2309674a4b07632bc6cb7f1f2708c7b608e428e96d022',
      'test.csv': '3d3377affa69e9048a5d633e3c4bb9b311ee17e50f36638e4217b690594fc617',
      'profile.json': 'ec68baf3bfe38ab6de9289a9a7fe21f85759d50c7b96a99dc641c6fecd2dc27f',
      'dataset.json': 'c3b09683c226977c34f3b2c2048e4429d808165e856b9bd3d4609fff799ffb84',
    },
  },
  {
    fixture: 'quirky-lf',
    target: 'grade',
    split: {},
    version: 'd36d90553979111d',
    trainRows: 192,
    testRows: 48,
    sha256: {
      'source.csv': 'e0f22781dffa6ab63fd52319a5f495f6fc29f006429e1e2acfa49b1205a7be25',
      'train.csv': 'f09a79c6e6fe43aaf8713fb28dd795cb82c7c8f6f48a1a8c1d0dc5fca698456b',
      'test.csv': 'c7340b92528d0e118bb4f48db1bf1e29f426455c60046d1d49772f62f20e7531',
      'profile.json': '3c6c1b87dce9718461f158bb955d41ff180e39d5742819f6cdfc5066ed223c59',
      'dataset.json': '1cff4ae2781737b08bb898003b67ee090c5e3807ef93ec19dfb302ba0adea0d0',
    },
  },
  {
    fixture: 'quirky-lf',
    target: 'name',
    split: { seed: 5, stratify: false },
    version: '44f4fb797b244078',
    trainRows: 192,
    testRows: 48,
    sha256: {
      'source.csv': 'e0f22781dffa6ab63fd52319a5f495f6fc29f006429e1e2acfa49b1205a7be25',
      'train.csv': 'cac18411c5da928af1ab5b2f846f7db366f0eed7c486d1cd54177fe5db21097f',
      'test.csv': '5c1f573fd81db13621764fa1f8fab24a5ca598eea48f72c605824cab156d78e3',
      'profile.json': '5c2ad86ef1e6319141e5240dfdabc832a75f5964ccbbfa18bc23461405251bcf',
      'dataset.json': 'e3aea54110fa25a51bcb4d4e5121c446c2191088719446adc6b5ac84d516bff1',
    },
  },
  {
    fixture: 'one-column',
    target: 'label',
    split: {},
    version: '9626b6ff5dd2f154',
    trainRows: 44,
    testRows: 11,
    sha256: {
      'source.csv': '453d0a23a0f12630a170b4a6a4ddeff9d4a8fae6f6433780b7e021246e9f985e',
      'train.csv': 'd00667f406afc00b006287bbe9d8ca3f0e87e725733660955b679966caaa6139',
      'test.csv': 'd65b764c914c3ed5cdeeb0565ddbe64a707f2dd7f5b111d5c27c52ee971e0af2',
      'profile.json': '8777aa0c71ffe6a68aaa54f48adcefb24efefebb3fd9c3320186bff70af2df7a',
      'dataset.json': 'c91e7e19ddec408491804b42181fced0a4e69eb08f94b796171edafa9eedc99f',
    },
  },
  {
    fixture: 'generated',
    target: 'label',
    split: {},
    version: '8a4ec6eac171f858',
    trainRows: 24000,
    testRows: 6000,
    sha256: {
      'source.csv': 'f4be9593cd6d692fdae9ed03cad84ef04c28519345db168cbae2d7dbc4b87db6',
      'train.csv': 'dd03a134a7715432cddbed40ad3177d075b921be5eb896320776b241984037d9',
      'test.csv': '0d5b49e751a11a9f8961e6941b52871fe2c623254c68916d7b0cf7deb416cdd6',
      'profile.json': '921e0cedc786950064acc5220db5ac2ebb967a383ee555e54a124fe12f0a1f91',
      'dataset.json': '78ef5615a59605e333e252f49503949a24fe8c2e6ddd2bdc6bdc46626d3610e5',
    },
  },
  {
    fixture: 'generated',
    target: 'label',
    split: { seed: 7, test_fraction: 0.25 },
    version: '344cdc9c82bc6237',
    trainRows: 22500,
    testRows: 7500,
    sha256: {
      'source.csv': 'f4be9593cd6d692fdae9ed03cad84ef04c28519345db168cbae2d7dbc4b87db6',
      'train.csv': '38bfc95d181356dd6ad9d092b5543632ea49be31463983f8b97d40950fa3a290',
      'test.csv': 'fb702e338b1b5596abf76cebace2210d5c9f0ae01bbe5476ce9db7a75d74a9ee',
      'profile.json': '5a83cb9e82b78866fd13cf5f22d0d0688607f8b693a8aee2fdf755e9c7ec8fc7',
      'dataset.json': '7b83a78417e1ea86c5787ff86be57e887504a4dc6438c3c47058c1cddf768d54',
    },
  },
  {
    fixture: 'generated',
    target: 'rating',
    split: { seed: 123456789, test_fraction: 0.1 },
    version: '79a7192f227e962e',
    trainRows: 26999,
    testRows: 3001,
    sha256: {
      'source.csv': 'f4be9593cd6d692fdae9ed03cad84ef04c28519345db168cbae2d7dbc4b87db6',
      'train.csv': '2cff0c7a7624e65f7ca499145603707304c222ad2c8c3d25d49db5d38b83b83d',
      'test.csv': 'c30a577ae4eaeb42bcd0638c796aed62d45d8fd4e703db10390d5917a9f1c965',
      'profile.json': '02838bace1f00095f4d56f40b16e88e1835f644677aa75abe74c9b9f6c17b9b8',
      'dataset.json': '018a240db391f9c5f388c90893c40cefd125309cd964eef1e4bf0b928d85d810',
    },
  },
] as const;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A source that hands its bytes over in pieces of `size`. */
function chunkedSource(bytes: Buffer, size: number): DatasetSource {
  const pieces = () => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  return { path: 'memory', fingerprint: async () => 'memory', open: async () => Readable.from(pieces()) };
}

function specOf(pin: (typeof PINNED)[number]) {
  return DatasetSpec.parse({ name: pin.fixture, path: `${pin.fixture}.csv`, target_column: pin.target, split: pin.split });
}

function expectPinned(store: MemoryArtifactStore, pin: (typeof PINNED)[number]) {
  const prefix = `datasets/${pin.fixture}/${pin.version}`;
  const stored = Object.fromEntries([...store.objects.entries()].map(([key, bytes]) => [key.slice(prefix.length + 1), sha256(bytes)]));
  expect(stored).toEqual(pin.sha256);
}

describe('a version stored by the streaming implementation', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-pins-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(PINNED.map((pin) => [`${pin.fixture} by ${pin.target} ${JSON.stringify(pin.split)}`, pin]))(
    'keeps the id, split and profile of %s',
    async (_name, pin) => {
      const bytes = FIXTURES[pin.fixture];
      expect(sha256(bytes)).toBe(pin.sha256['source.csv']);
      for (const size of [bytes.length, 4099, pin.fixture === 'generated' ? 61 : 3]) {
        const store = new MemoryArtifactStore();
        const source = chunkedSource(bytes, size);
        const stored = await storeScannedDataset(store, specOf(pin), source, await scanDataset(await source.open()));
        expect(stored).toMatchObject({ versionId: pin.version, manifest: { train_rows: pin.trainRows, test_rows: pin.testRows } });
        expectPinned(store, pin);
      }
    },
  );

  it.each(PINNED.map((pin) => [`${pin.fixture} by ${pin.target} ${JSON.stringify(pin.split)}`, pin]))(
    'keeps them read from a file too: %s',
    async (_name, pin) => {
      const path = join(dir, `${pin.fixture}.csv`);
      await writeFile(path, FIXTURES[pin.fixture]);
      const store = new MemoryArtifactStore();
      expect((await storeDatasetVersion(store, specOf(pin), path)).versionId).toBe(pin.version);
      expectPinned(store, pin);
    },
  );
});
