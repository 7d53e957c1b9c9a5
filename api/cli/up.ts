import { homePaths, type KilnConfig } from '../../core/config.js';
import { startEmbeddedStack, type EmbeddedStackOptions } from '../../workers/embedded-stack.js';

/**
 * Runs part or all of the stack in the foreground until Ctrl-C (or SIGTERM): `kiln up` runs
 * everything; `kiln worker` and `kiln api` run one role each against a shared Temporal.
 */
export async function runForeground(config: KilnConfig, options: EmbeddedStackOptions, out = process.stdout): Promise<void> {
  const stack = await startEmbeddedStack(config, options);
  const roles = [options.worker !== false && 'worker', options.api !== false && 'API'].filter(Boolean).join(' + ');
  out.write(
    `${[
      `Kiln is up (${roles}).`,
      stack.apiUrl ? `  API          ${stack.apiUrl}  (OpenAPI: ${stack.apiUrl}/openapi.json)` : '',
      stack.apiUrl ? `  console      ${stack.apiUrl}/  (sign in with an API token)` : '',
      stack.metricsUrl ? `  metrics      ${stack.metricsUrl}` : '',
      stack.apiUrl
        ? `  auth         API tokens${config.oidc ? ' + OIDC' : ''}; admin token in ${homePaths(config.home).adminToken} (the CLI here uses it)`
        : '',
      `  Temporal     ${stack.temporalAddress}  namespace ${config.temporalNamespace}, task queue ${config.taskQueue}`,
      `  Web UI       ${stack.webUiUrl ?? 'n/a (set KILN_TEMPORAL_UI_URL for an external Temporal)'}`,
      `  data dir     ${config.home}`,
      'Press Ctrl-C to stop.',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n')}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out.write('kiln: stopping...\n');
  await stack.stop();
  out.write('kiln: stopped\n');
}
