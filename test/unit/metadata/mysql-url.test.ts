import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../../core/errors.js';
import { parseMysqlUrl } from '../../../core/metadata/mysql/mysql-url.js';

describe('parseMysqlUrl', () => {
  it('reads user, password, host, port and database', () => {
    expect(parseMysqlUrl('mysql://kiln:pa%2Fss@db.local:3307/kiln')).toEqual({
      host: 'db.local',
      port: 3307,
      user: 'kiln',
      password: 'pa/ss',
      database: 'kiln',
    });
  });

  it.each([
    ['a "/"', 'mysql://kiln:pa/ss@db.local/kiln', 'pa/ss'],
    ['"?" and "#"', 'mysql://kiln:p?a#ss@db.local/kiln', 'p?a#ss'],
    ['an "@"', 'mysql://kiln:p@ss@db.local/kiln', 'p@ss'],
  ])('reads a password holding %s as written', (_label, url, password) => {
    expect(parseMysqlUrl(url)).toMatchObject({ host: 'db.local', user: 'kiln', password, database: 'kiln' });
  });

  it('never echoes the password in an error', () => {
    expect(() => parseMysqlUrl('mysql://kiln:TOP/SECRET@db.local')).toThrow(BackendUnavailableError);
    expect(() => parseMysqlUrl('mysql://kiln:TOP/SECRET@db.local')).not.toThrow(/SECRET/);
    expect(() => parseMysqlUrl('mysql://kiln:50%off/x@db.local/kiln')).toThrow(/"%" that starts no %XX escape/);
    expect(() => parseMysqlUrl('mysql://kiln:50%off/x@db.local/kiln')).not.toThrow(/50%off/);
  });
});
