import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { candidateDeploymentName, candidateServiceUrl, candidateWorkload } from '../../../core/serving/kubernetes/candidate-deployment.js';
import {
  buildModelDeployment,
  buildModelService,
  buildServingDeployment,
  buildServingService,
  modelDeploymentName,
  type ModelDeploymentInput,
} from '../../../core/serving/kubernetes/model-deployment.js';
import { readDeployManifests } from '../../support/kube-apply.js';
import { selects } from '../../support/label-selector.js';

const settings = KubernetesSettings.parse({ namespace: 'ml', kilnImage: 'ghcr.io/kiln-mlops/kiln:1.2.3', artifactsSecret: 'artifacts' });
const input = (modelName: string, version: number): ModelDeploymentInput => ({
  modelName,
  version,
  image: `registry.ml.svc:5000/kiln-env:env-${version}`,
  artifactPrefix: `models/${modelName}/${version}`,
  sourceDigest: 'f'.repeat(64),
  entrypoint: 'model.py:Classifier',
});
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('a rollout candidate’s Deployment and Service', () => {
  const champion = buildModelDeployment(input('breast-cancer', 3), settings);
  const candidate = buildServingDeployment(candidateWorkload('breast-cancer'), input('breast-cancer', 4), settings);
  const service = buildServingService(candidateWorkload('breast-cancer'), settings);
  const championService = buildModelService('breast-cancer', settings);
  const candidatePod = candidate.spec!.template.metadata!.labels!;
  const championPod = champion.spec!.template.metadata!.labels!;

  it('are named kiln-candidate-<model> and reached at that Service’s in-cluster URL', () => {
    expect(candidate.metadata).toMatchObject({ name: 'kiln-candidate-breast-cancer', namespace: 'ml' });
    expect(service.metadata).toMatchObject({ name: 'kiln-candidate-breast-cancer', namespace: 'ml' });
    expect(candidateServiceUrl('breast-cancer', 'ml')).toBe('http://kiln-candidate-breast-cancer.ml.svc:8080');
  });

  it('label its pods a model server that is a candidate of the model, with the version, and never as the model’s', () => {
    expect(candidatePod).toEqual({
      'app.kubernetes.io/managed-by': 'kiln',
      'app.kubernetes.io/component': 'model-server',
      'kiln.dev/candidate-of': 'breast-cancer',
      'kiln.dev/model-version': '4',
    });
  });

  it('select the candidate’s pods of any version, and none of the champion’s; the model’s selectors none of the candidate’s', () => {
    const selector = { 'app.kubernetes.io/managed-by': 'kiln', 'app.kubernetes.io/component': 'model-server', 'kiln.dev/candidate-of': 'breast-cancer' };
    expect(candidate.spec!.selector).toEqual({ matchLabels: selector });
    expect(service.spec).toEqual({ type: 'ClusterIP', selector, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] });
    expect(selects(candidate.spec!.selector, candidatePod)).toBe(true);
    expect(selects(candidate.spec!.selector, championPod)).toBe(false);
    expect(selects({ matchLabels: service.spec!.selector }, championPod)).toBe(false);
    expect(selects(champion.spec!.selector, candidatePod)).toBe(false);
    expect(selects({ matchLabels: championService.spec!.selector }, candidatePod)).toBe(false);
  });

  it('are selected by the same NetworkPolicies of deploy/kubernetes as the champion’s pods', () => {
    const policies = readDeployManifests().filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy');
    const selecting = (labels: Record<string, string>) => policies.filter((p) => selects(p.spec!.podSelector!, labels)).map((p) => p.metadata!.name);
    expect(selecting(candidatePod)).toEqual(['kiln-user-code-egress', 'kiln-model-server-ingress']);
    expect(selecting(championPod)).toEqual(selecting(candidatePod));
  });

  it('run the pod template the model’s Deployment runs, for the candidate’s version', () => {
    const same = buildModelDeployment(input('breast-cancer', 4), settings);
    expect(candidate.spec!.template.spec).toEqual(same.spec!.template.spec);
    expect(candidate.spec!.template.metadata!.annotations).toEqual(same.spec!.template.metadata!.annotations);
    const env = Object.fromEntries(candidate.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ KILN_MODEL_NAME: 'breast-cancer', KILN_MODEL_VERSION: '4' });
  });

  it('roll a new version out like the model’s Deployment, but keep no old ReplicaSets (nothing rolls a candidate back)', () => {
    expect(candidate.spec!.strategy).toEqual(champion.spec!.strategy);
    expect(candidate.spec!.revisionHistoryLimit).toBe(0);
    expect(champion.spec!.revisionHistoryLimit).toBe(10);
  });
});

describe('candidateDeploymentName', () => {
  const longest = 'a'.repeat(63);

  it.each([
    ['iris', 'kiln-candidate-iris'],
    ['breast-cancer', 'kiln-candidate-breast-cancer'],
  ])('names %s’s candidate %s', (model, name) => {
    expect(candidateDeploymentName(model)).toBe(name);
  });

  it('is a valid Service name for the longest model names, and two long names sharing a prefix never share it', () => {
    const a = candidateDeploymentName(`${'x'.repeat(60)}-a1`);
    const b = candidateDeploymentName(`${'x'.repeat(60)}-b1`);
    for (const name of [a, b, candidateDeploymentName(longest)]) expect(name).toMatch(DNS_1035);
    expect(a).not.toBe(b);
    expect(candidateWorkload(longest).selector['kiln.dev/candidate-of']).toBe(longest);
  });

  it('never names another model’s own Deployment, even a model called <model>-candidate', () => {
    for (const model of ['iris', 'candidate', longest, 'x'.repeat(50)]) {
      const taken = [`${model}-candidate`, `candidate-${model}`, model].map((m) => modelDeploymentName(m.slice(0, 63)));
      expect(taken).not.toContain(candidateDeploymentName(model));
    }
  });
});
