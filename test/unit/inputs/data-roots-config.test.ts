import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALL_DIR, loadConfig } from '../../../core/config.js';

const rootsFrom = (value: string | undefined) => loadConfig({}, value === undefined ? {} : { KILN_DATA_ROOTS: value }).dataRoots;

describe('KILN_DATA_ROOTS', () => {
  it('defaults to the working directory and the bundled examples', () => {
    expect(rootsFrom(undefined)).toEqual([process.cwd(), join(INSTALL_DIR, 'examples')]);
    expect(rootsFrom('')).toEqual(rootsFrom(undefined));
  });

  it.each([
    ['/srv/data', ['/srv/data']],
    ['/srv/data:/srv/code', ['/srv/data', '/srv/code']],
    ['/srv/data/:/srv/./code/../code', ['/srv/data', '/srv/code']],
    ['/srv/data::', ['/srv/data']],
  ])('reads %j as colon-separated absolute directories', (value, expected) => {
    expect(rootsFrom(value)).toEqual(expected);
  });

  it.each([
    ['a relative directory', 'data', /expected absolute directories separated by ":"/],
    ['the file system root', '/srv:/', /"\/" would allow every file on the server/],
    ['the root spelled another way', '/srv/..', /"\/" would allow every file/],
  ])('refuses %s, naming the variable', (_label, value, message) => {
    expect(() => rootsFrom(value)).toThrow(/^KILN_DATA_ROOTS: /);
    expect(() => rootsFrom(value)).toThrow(message);
  });

  it('lets an explicit override win', () => {
    expect(loadConfig({ dataRoots: ['/x'] }, { KILN_DATA_ROOTS: '/y' }).dataRoots).toEqual(['/x']);
  });
});
