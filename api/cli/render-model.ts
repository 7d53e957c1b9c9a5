import type { ModelView, PendingApproval } from '../client/kiln-api-client.js';

const when = (ms: number | string) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const metricsOf = (metrics: Record<string, number>) =>
  Object.entries(metrics)
    .slice(0, 3)
    .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
    .join(' ');

/** `kiln model show`: versions with aliases, the alias history and the schedules that feed the model. */
export function renderModel(model: ModelView): string[] {
  const lines = [`model ${model.name}${model.serving ? `  serving v${model.serving.version} at ${model.serving.url}` : '  not serving'}`];
  lines.push(`  aliases   ${model.aliases.length ? model.aliases.map((a) => `${a.alias}=v${a.version}`).join('  ') : 'none'}`);
  lines.push('  versions:');
  for (const v of model.versions) {
    lines.push(
      `    v${String(v.version).padEnd(4)} ${when(v.createdAt)}  ${(v.aliases.join(',') || '-').padEnd(20)} ${v.runId.padEnd(48)} ${metricsOf(v.metrics)}`.trimEnd(),
    );
  }
  lines.push('  alias history (oldest first):');
  if (model.alias_history.length === 0) lines.push('    none');
  for (const e of model.alias_history) {
    const move = e.version === null ? `removed (was v${e.previousVersion})` : `${e.previousVersion === null ? '' : `v${e.previousVersion} → `}v${e.version}`;
    lines.push(`    ${when(e.createdAt)}  ${e.alias.padEnd(11)} ${move.padEnd(12)} by ${e.actor}${e.runId ? ` (run ${e.runId})` : ''}: ${e.reason}`);
  }
  lines.push('  fed by schedules:');
  if (model.schedules.length === 0) lines.push('    none');
  for (const s of model.schedules)
    lines.push(`    ${s.name} (${s.project}, ${s.cadence}${s.paused ? ', paused' : ''})${s.next_fire_times[0] ? `, next ${when(s.next_fire_times[0])}` : ''}`);
  return lines;
}

/** `kiln model pending`: runs waiting for a person's decision. */
export function renderPending(pending: PendingApproval[]): string[] {
  if (pending.length === 0) return ['no runs waiting for approval'];
  return pending.map(
    (p) =>
      `${p.model} v${p.version ?? '?'}  run ${p.run_id}  waiting since ${p.waiting_since ? when(p.waiting_since) : '?'}  ${metricsOf(p.metrics)}${p.champion ? `  (champion v${p.champion.version}${p.champion.metrics ? `: ${metricsOf(p.champion.metrics)}` : ''})` : ''}`,
  );
}
