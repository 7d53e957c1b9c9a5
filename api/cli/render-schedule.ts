import type { ScheduleView } from '../client/kiln-api-client.js';

const when = (iso: string) => iso.slice(0, 19).replace('T', ' ');

/** `kiln schedule list`: one line per schedule. */
export function renderScheduleList(schedules: ScheduleView[]): string[] {
  if (schedules.length === 0) return ['no schedules'];
  const header = `${'SCHEDULE'.padEnd(24)} ${'PROJECT'.padEnd(20)} ${'STATE'.padEnd(7)} ${'NEXT (UTC)'.padEnd(20)} ${'RUNS'.padStart(5)}  CADENCE`;
  return [
    header,
    ...schedules.map(
      (s) =>
        `${s.name.padEnd(24)} ${s.project.padEnd(20)} ${(s.paused ? 'paused' : 'active').padEnd(7)} ${(s.next_fire_times[0] ? when(s.next_fire_times[0]) : '—').padEnd(20)} ${String(s.actions_taken).padStart(5)}  ${s.cadence}`,
    ),
  ];
}

/** `kiln schedule show`: state, note, next fire times and recent runs with their results. */
export function renderSchedule(s: ScheduleView): string[] {
  const lines = [
    `schedule ${s.name}  project ${s.project}  ${s.paused ? 'PAUSED' : 'ACTIVE'}`,
    `  cadence   ${s.cadence}  overlap ${s.spec.overlap}  catchup ${s.spec.catchup_window}${s.spec.jitter ? `  jitter ${s.spec.jitter}` : ''}${s.spec.pause_on_failure ? '  pause on failure' : ''}`,
  ];
  if (s.note) lines.push(`  note      ${s.note}`);
  lines.push(`  runs      ${s.actions_taken} started, ${s.skipped_overlap} skipped (overlap), ${s.missed_catchup_window} missed (catch-up window)`);
  lines.push(`  next      ${s.next_fire_times.length ? s.next_fire_times.map(when).join(', ') : '— (paused or ended)'}`);
  if (s.recent_runs.length) {
    lines.push('  recent runs (newest first):');
    for (const run of s.recent_runs) {
      const result = [run.model_version ? `v${run.model_version}` : '', run.promotion ?? run.error ?? ''].filter(Boolean).join(' — ');
      lines.push(`    ${when(run.scheduled_at)}  ${run.run_id.padEnd(48)} ${run.status.padEnd(10)} ${result}`.trimEnd());
    }
  } else lines.push('  recent runs: none yet');
  if (s.web_ui_url) lines.push(`  web ui: ${s.web_ui_url}`);
  return lines;
}
