import type { V1LabelSelector } from '@kubernetes/client-node';

/** Whether a label selector (matchLabels and In/NotIn expressions) selects pods with `labels`. */
export function selects(selector: V1LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) =>
    e.operator === 'In' ? e.values!.includes(labels[e.key]!) : e.operator === 'NotIn' ? !e.values!.includes(labels[e.key]!) : false,
  );
  return byLabels && byExpressions;
}

/** A label selector as the `labelSelector` query parameter, for the API server to evaluate (a Service's selector: `{ matchLabels }`). */
export function selectorQuery({ matchLabels, matchExpressions }: V1LabelSelector): string {
  const terms = Object.entries(matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of matchExpressions ?? []) {
    if (e.operator === 'In') terms.push(`${e.key} in (${e.values!.join(',')})`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${e.values!.join(',')})`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else terms.push(`!${e.key}`);
  }
  return terms.join(',');
}
