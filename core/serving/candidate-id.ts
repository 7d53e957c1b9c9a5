/** A challenger's server is a deployment of its own, apart from the one a promotion would start. */
export function candidateDeploymentId(modelName: string, version: number): string {
  return `${modelName}-v${version}-candidate`;
}
