import { createHash } from 'node:crypto';

/*
 * Labels and annotations on every object Kiln creates, so `kubectl get -l` finds a run's Jobs
 * and pods, and the garbage it leaves can be told from anyone else's.
 */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  project: 'kiln.dev/project',
  run: 'kiln.dev/run',
  stage: 'kiln.dev/stage',
  attempt: 'kiln.dev/attempt',
  environment: 'kiln.dev/environment-digest',
  model: 'kiln.dev/model',
  /** On a rollout's candidate pods instead of `model`, so the model's own Deployment and Service never select them. */
  candidateOf: 'kiln.dev/candidate-of',
  modelVersion: 'kiln.dev/model-version',
} as const;

export const MANAGED_BY = 'kiln';

/**
 * A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. A
 * valid value is kept as it is; any other is cut or cleaned and ends in a hash of the whole, so
 * two ids that differ only past the cut (the trials of one experiment, `<exp id>-trial-<n>`)
 * never share a label, and a pod selector never matches another run's pods.
 */
export function labelValue(value: string): string {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return value;
  const hash = shortHash([value]);
  const head = value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63 - hash.length - 1)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return head ? `${head}-${hash}` : hash;
}

const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/;

/** A sha256 hex digest as a label value: its first 63 digits (the full digest goes in an annotation). */
export function digestLabel(digest: string): string {
  return digest.slice(0, 63);
}

/**
 * A DNS-1123 object name (lower case, ≤ `max` chars) from parts, e.g. kiln-<run>-train-2. A name
 * that must be cut keeps a hash of the whole, so two long run ids never share a Job name.
 */
export function objectName(parts: string[], max = 63): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9).replace(/-+$/, '')}-${shortHash(parts)}`;
}

function shortHash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 8);
}
