import { describe, expect, it } from 'vitest';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { ProjectSpec, type ProjectSpecInput } from '../../../core/specs/project.js';
import { AliasName, CHALLENGER, CHAMPION, PromotionPolicy, TRIGGER_KINDS } from '../../../core/specs/promotion.js';
import { problemsOf } from './spec-problems.js';

const parsePolicy = (input: unknown) => parseSpec(PromotionPolicy, input, 'promotion');

describe('PromotionPolicy defaults', () => {
  it('promotes automatically every version that passes the gate, with a 24 h approval timeout', () => {
    expect(parsePolicy({})).toEqual({ mode: 'auto', approval_timeout: '24h' });
  });

  it('compares on a higher metric by any margin unless told otherwise', () => {
    expect(parsePolicy({ compare_to_champion: { metric: 'accuracy' } }).compare_to_champion).toEqual({ metric: 'accuracy', direction: 'max', min_delta: 0 });
  });

  it('keeps a manual mode, a lower-is-better comparison and a timeout it is given', () => {
    const input = { mode: 'manual', compare_to_champion: { metric: 'log_loss', direction: 'min', min_delta: 0.01 }, approval_timeout: '2h' };
    expect(parsePolicy(input)).toEqual(input);
  });

  it.each(['1s', '90m', '30d'])('accepts an approval timeout of %j', (approval_timeout) => {
    expect(parsePolicy({ approval_timeout }).approval_timeout).toBe(approval_timeout);
  });
});

describe('PromotionPolicy problems', () => {
  it.each([
    [
      'a negative min_delta',
      { compare_to_champion: { metric: 'accuracy', min_delta: -0.1 } },
      'promotion.compare_to_champion.min_delta',
      'expected number to be >=0',
    ],
    [
      'a min_delta that is not a number',
      { compare_to_champion: { metric: 'accuracy', min_delta: '0.1' } },
      'promotion.compare_to_champion.min_delta',
      'expected number, got "0.1"',
    ],
    [
      'an unknown direction',
      { compare_to_champion: { metric: 'accuracy', direction: 'up' } },
      'promotion.compare_to_champion.direction',
      'expected one of "max", "min", got "up"',
    ],
    ['a comparison without metric', { compare_to_champion: {} }, 'promotion.compare_to_champion.metric', 'required'],
    ['an empty metric name', { compare_to_champion: { metric: '' } }, 'promotion.compare_to_champion.metric', 'expected string to have >=1 characters'],
    ['an approval timeout under 1 s', { approval_timeout: '500ms' }, 'promotion.approval_timeout', 'must be at least 1s'],
    ['an approval timeout of zero', { approval_timeout: '0s' }, 'promotion.approval_timeout', 'must be at least 1s'],
    ['an approval timeout over 30 days', { approval_timeout: '31d' }, 'promotion.approval_timeout', 'must be at most 30d'],
    ['an unparsable approval timeout', { approval_timeout: 'tomorrow' }, 'promotion.approval_timeout', 'not a duration'],
    ['an approval timeout in bare seconds', { approval_timeout: 3600 }, 'promotion.approval_timeout', 'expected string, got 3600'],
    ['an unknown mode', { mode: 'shadow' }, 'promotion.mode', 'expected one of "auto", "manual", got "shadow"'],
    ['an unknown field', { auto_rollback: true }, 'promotion', 'unknown field "auto_rollback"'],
    ['an unknown comparison field', { compare_to_champion: { metric: 'accuracy', delta: 0.1 } }, 'promotion.compare_to_champion', 'unknown field "delta"'],
  ])('rejects %s', (_label, input, path, message) => {
    expect(problemsOf(() => parsePolicy(input))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });
});

describe('ProjectSpec promotion and trigger', () => {
  const minimal: ProjectSpecInput = {
    name: 'breast-cancer',
    source_dir: './src',
    dataset: 'breast-cancer',
    entrypoints: { train: 'train.py:train', evaluate: 'evaluate.py' },
  };
  const parseProject = (input: unknown) => parseSpec(ProjectSpec, input, 'project');

  it('defaults to automatic promotion and no data trigger', () => {
    const spec = parseProject(minimal);
    expect(spec.promotion).toEqual({ mode: 'auto', approval_timeout: '24h' });
    expect(spec.trigger).toEqual({ on_new_data: false });
  });

  it('fills defaults inside partially given sections', () => {
    const spec = parseProject({ ...minimal, promotion: { mode: 'manual' }, trigger: {} });
    expect(spec.promotion).toEqual({ mode: 'manual', approval_timeout: '24h' });
    expect(spec.trigger).toEqual({ on_new_data: false });
  });

  it('keeps a data trigger that is switched on', () => {
    expect(parseProject({ ...minimal, trigger: { on_new_data: true } }).trigger).toEqual({ on_new_data: true });
  });

  it('names problems under project.promotion and project.trigger', () => {
    expect(problemsOf(() => parseProject({ ...minimal, promotion: { approval_timeout: '0s' }, trigger: { on_new_data: 'yes' } }))).toEqual([
      { path: 'project.promotion.approval_timeout', message: expect.stringContaining('must be at least 1s') },
      { path: 'project.trigger.on_new_data', message: 'expected boolean, got "yes"' },
    ]);
  });

  it('rejects a trigger it does not know', () => {
    expect(problemsOf(() => parseProject({ ...minimal, trigger: { on_drift: true } }))).toEqual([
      { path: 'project.trigger', message: 'unknown field "on_drift"' },
    ]);
  });
});

describe('AliasName', () => {
  const parseAlias = (input: unknown) => parseSpec(AliasName, input, 'alias');

  it.each([CHAMPION, CHALLENGER, 'a', 'shadow-2', 'canary', 'a'.repeat(32)])('accepts %j', (alias) => {
    expect(parseAlias(alias)).toBe(alias);
  });

  it.each(['', 'Champion', '1st', '-canary', 'a_b', 'x y', 'prod.v2', 'a'.repeat(33)])('rejects %j', (alias) => {
    expect(problemsOf(() => parseAlias(alias))).toEqual([
      { path: 'alias', message: `must be 1-32 lowercase letters, digits or dashes, starting with a letter (got ${JSON.stringify(alias)})` },
    ]);
  });

  it('names the built-in aliases champion and challenger', () => {
    expect([CHAMPION, CHALLENGER]).toEqual(['champion', 'challenger']);
  });
});

describe('trigger kinds', () => {
  it('are schedule, new data, drift, manual and API', () => {
    expect(TRIGGER_KINDS).toEqual(['schedule', 'new_data', 'drift', 'manual', 'api']);
  });
});

describe('DatasetSpec watch', () => {
  const minimal = { name: 'iris', path: 'data/iris.csv', target_column: 'species' };
  const parseDataset = (input: unknown) => parseSpec(DatasetSpec, input, 'dataset');

  it('is off unless given', () => {
    expect(parseDataset(minimal)).not.toHaveProperty('watch');
  });

  it.each(['10s', '5m', '1d'])('accepts checking every %j', (every) => {
    expect(parseDataset({ ...minimal, watch: { every } }).watch).toEqual({ every });
  });

  it.each([
    ['an interval under 10 s', { every: '9s' }, 'dataset.watch.every', 'must be at least 10s'],
    ['an unparsable interval', { every: 'hourly' }, 'dataset.watch.every', 'not a duration'],
    ['no interval', {}, 'dataset.watch.every', 'required'],
    ['an unknown field', { every: '1m', jitter: '1s' }, 'dataset.watch', 'unknown field "jitter"'],
  ])('rejects %s', (_label, watch, path, message) => {
    expect(problemsOf(() => parseDataset({ ...minimal, watch }))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });
});
