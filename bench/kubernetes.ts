/**
 * Kubernetes stage overhead on the testbed (on demand, not part of the tests):
 * `make bench-k8s` or `npx tsx bench/kubernetes.ts [--stages N]`.
 *
 * Runs N short stages through the Kubernetes executor against the real control plane of
 * scripts/k8s-testbed.sh (kwok plays the kubelet) and prints, per stage: stage start → Job
 * created (the API server acknowledged it), and pod completion (the watch event in which the
 * stage container turns terminated) → stage completion (the executor returned its exit).
 * Targets: under 1 s each (Argo and KFP take ~10 s per step). Reported, never asserted.
 */
import type * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { KubernetesExecutor } from '../core/executors/kubernetes/kubernetes-executor.js';
import { STAGE_CONTAINER } from '../core/executors/kubernetes/stage-job.js';
import { connectKubernetes } from '../core/kubernetes/kube-clients.js';
import { KubernetesSettings } from '../core/kubernetes/kubernetes-settings.js';
import { show, summarize, table, verdict } from './lib/report.js';

const TARGET_MS = 1000;
const say = (message: string) => process.stderr.write(`bench: ${message}\n`);

function parseStages(argv: string[]): number {
  const i = argv.indexOf('--stages');
  if (i === -1) return 10;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--stages: expected a positive integer, got ${JSON.stringify(argv[i + 1])}`);
  return n;
}

async function main(): Promise<void> {
  const stages = parseStages(process.argv.slice(2));
  say('starting (or reusing) the Kubernetes testbed');
  const kubeconfig = execFileSync('bash', ['scripts/k8s-testbed.sh', 'start'], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const namespace = `kiln-bench-${Date.now().toString(36)}`;
  const clients = connectKubernetes({ kubeconfig, namespace });
  await clients.core.createNamespace({ body: { metadata: { name: namespace } } });
  const toCreated: number[] = [];
  const toDone: number[] = [];
  const terminatedAt = new Map<string, number>();
  // An independent watch stamps the moment each pod's stage container is reported terminated.
  const podWatch = await clients.watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    {},
    (_type, pod: k8s.V1Pod) => {
      const run = pod.metadata?.labels?.['kiln.dev/run'];
      const done = pod.status?.containerStatuses?.find((c) => c.name === STAGE_CONTAINER)?.state?.terminated;
      if (run && done && !terminatedAt.has(run)) terminatedAt.set(run, performance.now());
    },
    () => {},
  );
  try {
    // Job creation timed where the executor makes it: the call returning means the API server stored the Job.
    const createJob = clients.batch.createNamespacedJob.bind(clients.batch);
    let createdAt = 0;
    const batch = Object.assign(Object.create(clients.batch), {
      createNamespacedJob: async (...args: Parameters<typeof createJob>) => {
        const job = await createJob(...args);
        createdAt = performance.now();
        return job;
      },
    });
    const executor = new KubernetesExecutor({
      clients: { ...clients, batch },
      settings: KubernetesSettings.parse({
        kubeconfig,
        namespace,
        kilnImage: 'kiln:bench',
        imageRegistry: 'registry.bench/kiln-env',
        podAnnotations: { 'kiln.dev/simulate-delay': '200ms' },
      }),
    });
    for (let i = 0; i < stages; i++) {
      const runId = `bench-${i}`;
      const started = performance.now();
      const exit = await executor.run(
        {
          id: `${runId}/train/1`,
          command: ['python', '-m', 'kiln_sdk.stage'],
          workingDirectory: '/kiln/workspace/src',
          env: { KILN_ENTRYPOINT: 'train.py:train' },
          timeoutMs: 60_000,
          placement: {
            project: 'bench',
            runId,
            stage: 'train',
            attempt: 1,
            image: 'registry.bench/kiln-env:x',
            environmentDigest: 'x'.repeat(64),
            resources: { gpus: 0 },
            io: { sourceDigest: 's', datasetPrefix: 'd', upstream: {}, params: {}, outputPrefix: 'o', checkpointPrefix: 'c' },
          },
        },
        { onLine: () => {} },
      );
      const finished = performance.now();
      if (exit.exitCode !== 0) throw new Error(`stage ${i} ended ${JSON.stringify(exit)}`);
      toCreated.push(createdAt - started);
      toDone.push(finished - (terminatedAt.get(runId) ?? NaN));
      say(
        `stage ${i + 1}/${stages}: created after ${(createdAt - started).toFixed(0)} ms, done ${(finished - (terminatedAt.get(runId) ?? NaN)).toFixed(0)} ms after the pod completed`,
      );
    }
  } finally {
    podWatch.abort();
    await clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  const created = summarize(toCreated);
  const done = summarize(toDone);
  console.log(`\nKubernetes stage overhead on the testbed (${stages} stages, kwok pods running 200 ms)\n`);
  console.log(
    table([
      { metric: 'stage start → Job created', value: show(created, 'ms'), target: `< ${TARGET_MS} ms`, verdict: verdict(created.median, TARGET_MS) },
      { metric: 'pod completed → stage completed', value: show(done, 'ms'), target: `< ${TARGET_MS} ms`, verdict: verdict(done.median, TARGET_MS) },
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
