import { ScheduleSpec, parseSpec } from '../../core/specs/index.js';
import type { Command } from 'commander';
import { SpecValidationError } from '../../core/errors.js';
import type { KilnApiClient } from '../client/kiln-api-client.js';
import { printLines, printView } from './output.js';
import { renderSchedule, renderScheduleList } from './render-schedule.js';
import { readJsonFile } from './watch-experiment.js';

/** `kiln schedule …`: Temporal Schedules that start a project's runs. */
export function addScheduleCommands(program: Command, api: () => KilnApiClient): void {
  const schedule = program.command('schedule').description('schedules: runs of a project on a cadence (Temporal Schedules)');
  schedule
    .command('create')
    .description('create a schedule from a spec file, or update the one with its name in place')
    .requiredOption('-f, --file <spec.json>', 'schedule spec (JSON)')
    .action(async (opts) => {
      const view = await api().applySchedule(parseSpec(ScheduleSpec, readJsonFile(opts.file), 'schedule'));
      process.stderr.write(`${view.created ? 'created' : 'updated'} schedule ${view.name}\n`);
      printLines(renderSchedule(view));
    });
  schedule
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts) => printView(await api().listSchedules(), opts.json, renderScheduleList));
  schedule
    .command('show <name>')
    .description('paused state and note, next 5 fire times, recent runs with their results')
    .option('--json', 'print JSON')
    .action(async (name, opts) => printView(await api().getSchedule(name), opts.json, renderSchedule));
  schedule
    .command('pause <name>')
    .option('--note <text>', 'why (shown with the schedule)')
    .action(async (name, opts) => printLines(renderSchedule(await api().pauseSchedule(name, opts.note))));
  schedule
    .command('unpause <name>')
    .option('--note <text>', 'why (shown with the schedule)')
    .action(async (name, opts) => printLines(renderSchedule(await api().unpauseSchedule(name, opts.note))));
  schedule
    .command('trigger <name>')
    .description("start the schedule's run now (under its overlap policy)")
    .action(async (name) => {
      const triggered = await api().triggerSchedule(name);
      process.stdout.write(`triggered ${triggered.name} (overlap ${triggered.overlap})\n`);
    });
  schedule.command('delete <name>').action(async (name) => {
    await api().deleteSchedule(name);
    process.stdout.write(`deleted schedule ${name}\n`);
  });
  schedule
    .command('backfill <name>')
    .description('run every fire time in [from, to] now, each with its nominal time')
    .requiredOption('--from <iso>', 'start, e.g. 2026-12-01T00:00:00Z')
    .requiredOption('--to <iso>', 'end')
    .option('--overlap <policy>', 'how backfilled runs overlap: buffer_all (default), allow_all, skip, …')
    .action(async (name, opts) => {
      if (!opts.from || !opts.to) throw new SpecValidationError([{ path: 'from', message: 'required' }]);
      const result = await api().backfillSchedule(name, { start: opts.from, end: opts.to, ...(opts.overlap ? { overlap: opts.overlap } : {}) });
      process.stdout.write(`backfilling ${result.runs} run(s) of ${result.name}: ${result.fire_times.join(', ')}\n`);
    });
}
