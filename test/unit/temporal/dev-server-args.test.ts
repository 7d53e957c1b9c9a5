import { describe, expect, it } from 'vitest';
import { devServerArgs } from '../../../core/temporal/dev-server.js';

const args = devServerArgs({ dbFile: '/data/temporal.sqlite', ip: '127.0.0.1', port: 7233, namespace: 'kiln' });

/** The value given for a dynamic-config key, if any. */
function dynamicConfig(key: string): string | undefined {
  for (let i = 0; i < args.length - 1; i++) {
    if (args[i] === '--dynamic-config-value' && args[i + 1]!.startsWith(`${key}=`)) return args[i + 1]!.slice(key.length + 1);
  }
  return undefined;
}

describe('the dev server command line', () => {
  it('lifts the history service’s 20-reads-a-second cap on each task queue, which paces every dispatch once its burst is spent', () => {
    for (const queue of ['transfer', 'timer', 'visibility']) {
      expect(Number(dynamicConfig(`history.${queue}ProcessorMaxPollRPS`)), queue).toBeGreaterThanOrEqual(1000);
    }
  });

  it('keeps eager activities, WAL and the persistent file, and runs headless unless a UI port is given', () => {
    expect(dynamicConfig('system.enableActivityEagerExecution')).toBe('true');
    expect(args.join(' ')).toContain('--sqlite-pragma journal_mode=wal');
    expect(args.join(' ')).toContain('--db-filename /data/temporal.sqlite');
    expect(args).toContain('--headless');
    const withUi = devServerArgs({ dbFile: '/d', ip: '127.0.0.1', port: 7233, uiPort: 8233, namespace: 'kiln' });
    expect(withUi).not.toContain('--headless');
    expect(withUi.join(' ')).toContain('--ui-port 8233');
  });
});
