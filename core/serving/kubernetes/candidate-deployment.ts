import { LABELS, labelValue, MANAGED_BY, objectName } from '../../kubernetes/labels.js';
import { servingUrl, type ServingWorkload } from './model-deployment.js';

/*
 * A rollout's challenger on Kubernetes: a Deployment and ClusterIP Service of its own beside the
 * model's, from the same pod template. Its pods keep `component: model-server`, so the
 * NetworkPolicies and pod security that select model servers apply to them, but carry
 * `kiln.dev/candidate-of` instead of `kiln.dev/model`: the model's Deployment and Service (whose
 * selectors are immutable and name the model) never count or route to them, and the candidate's
 * never to the champion's.
 */

/**
 * `kiln-candidate-<model>`. A prefix of its own rather than a suffix: a model named `<m>-candidate`
 * has the Deployment `kiln-model-<m>-candidate`, which a suffix would give to `<m>`'s candidate too.
 */
export function candidateDeploymentName(modelName: string): string {
  return objectName(['kiln-candidate', modelName]);
}

/** Selects the candidate's pods, whatever version it serves, and no pod of the model's own Deployment. */
export function candidateSelectorLabels(modelName: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'model-server', [LABELS.candidateOf]: labelValue(modelName) };
}

/** One candidate per model (one rollout runs at a time); it keeps no old ReplicaSets, since nothing rolls a candidate back. */
export function candidateWorkload(modelName: string): ServingWorkload {
  return { name: candidateDeploymentName(modelName), selector: candidateSelectorLabels(modelName), revisionHistoryLimit: 0 };
}

/** Where the API sends the challenger's share: the candidate Service, in the namespace. */
export function candidateServiceUrl(modelName: string, namespace: string): string {
  return servingUrl(candidateDeploymentName(modelName), namespace);
}
