/**
 * What served after a version that was about to become champion (alias moveWhileServing refused
 * it): the version that serves and stays champion, or nothing when the model was undeployed.
 */
export function whatOvertook(servingVersion: number | null): string {
  return servingVersion === null ? 'the model was undeployed before it became champion' : `v${servingVersion} was promoted at the same time and serves`;
}
