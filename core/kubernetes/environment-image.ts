import type { KubernetesSettings } from './kubernetes-settings.js';

/** The image an environment is built into and stages run in: the registry repository, tagged by spec digest. */
export function environmentImage(settings: Pick<KubernetesSettings, 'imageRegistry'>, digest: string): string {
  return `${settings.imageRegistry}:${digest}`;
}
