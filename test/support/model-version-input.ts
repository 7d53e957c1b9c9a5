import type { ModelDeploymentInput } from '../../core/serving/kubernetes/model-deployment.js';

/** Deploying version `v` of a model on the testbed: each version its own image, files and source (no container runs them). */
export function modelVersionInput(modelName: string, v: number, replicas: number): ModelDeploymentInput {
  return {
    modelName,
    version: v,
    image: `registry.test/kiln-env:env-${v}`,
    artifactPrefix: `models/${modelName}/${v}`,
    sourceDigest: String(v).repeat(64),
    entrypoint: 'model.py:Classifier',
    replicas,
  };
}
