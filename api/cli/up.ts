import type { KilnConfig } from '../../core/config.js';
import { startEmbeddedStack } from '../../workers/embedded-stack.js';

/** `kiln up`: the embedded stack in the foreground until Ctrl-C (or SIGTERM). */
export async function runUp(config: KilnConfig, out = process.stdout): Promise<void> {
  const stack = await startEmbeddedStack(config, { restoreServing: true });
  out.write(
    [
      'Kiln is up.',
      `  API          ${stack.apiUrl}  (OpenAPI: ${stack.apiUrl}/openapi.json)`,
      `  Temporal     ${stack.temporalAddress}  namespace ${config.temporalNamespace}, task queue ${config.taskQueue}`,
      `  Web UI       ${stack.webUiUrl ?? 'n/a'}`,
      `  data dir     ${config.home}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out.write('kiln: stopping...\n');
  await stack.stop();
  out.write('kiln: stopped\n');
}
