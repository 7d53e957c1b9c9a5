import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore } from '../../core/artifacts/artifact-store.js';
import { POD_WORKSPACE, STAGE_CONTAINER, STAGE_IO_ENV } from '../../core/executors/kubernetes/stage-job.js';
import type { KubeClients } from '../../core/kubernetes/kube-clients.js';
import { fetchStageInputs, parseStageIoPlan, syncStageOutputs } from '../../core/runner/stage-io.js';

/**
 * Stands in for the container runtime the testbed does not have. Image-build pods simply succeed
 * (no registry or Kaniko here). For every Kiln stage pod that
 * kwok reports Running (created with `kiln.dev/simulate: hang`, so kwok never ends it by
 * itself), it does on this machine what the pod's containers would: the init container's
 * fetch, the stage runner (`python -m kiln_sdk.stage`, with the pod's own run contract, its
 * /kiln/workspace paths mapped to a local directory, python3 in place of the image's), and the
 * sidecar's upload. The stage's output becomes the pod's container log (served by kwok through
 * the API server), and its exit code the pod's: the annotation is switched so kwok terminates
 * the container with it. Everything Kubernetes-side stays real.
 */
export function startPodStandIn(clients: KubeClients, artifacts: ArtifactStore, options: { workDir: string; sdkDir: string; python: string }): () => void {
  const seen = new Set<string>();
  const custom = clients.config.makeApiClient(k8s.CustomObjectsApi);
  let controller: AbortController | undefined;
  let stopped = false;

  const handle = async (pod: k8s.V1Pod) => {
    const name = pod.metadata!.name!;
    const root = join(options.workDir, name);
    const logFile = join(options.workDir, `${name}.log`);
    mkdirSync(root, { recursive: true });
    writeFileSync(logFile, '');
    await custom.createNamespacedCustomObject({
      group: 'kwok.x-k8s.io',
      version: 'v1alpha1',
      namespace: clients.namespace,
      plural: 'logs',
      body: {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'Logs',
        metadata: { name },
        spec: { logs: [{ containers: [STAGE_CONTAINER], logsFile: logFile, follow: true }] },
      },
    });
    const init = pod.spec!.initContainers!.find((c) => c.name === 'fetch-inputs')!;
    const plan = parseStageIoPlan(init.env!.find((e) => e.name === STAGE_IO_ENV)!.value);
    await fetchStageInputs(artifacts, plan, root, options.sdkDir);
    const main = pod.spec!.containers.find((c) => c.name === STAGE_CONTAINER)!;
    const env = Object.fromEntries(main.env!.map((e) => [e.name, (e.value ?? '').replaceAll(POD_WORKSPACE, root)]));
    env.PATH = `${join(options.python, '..')}:/usr/bin:/bin`;
    const code = await new Promise<number>((resolve) => {
      const child = spawn(options.python, main.command!.slice(1), { env, cwd: main.workingDir!.replaceAll(POD_WORKSPACE, root) });
      const toLog = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          appendFileSync(logFile, `${new Date().toISOString().replace('Z', '000000Z')} ${stream} F ${line}\n`);
      };
      child.stdout.on('data', toLog('stdout'));
      child.stderr.on('data', toLog('stderr'));
      child.on('exit', (c) => resolve(c ?? 1));
    });
    // The sidecar's last pass: checkpoints, and outputs after a success.
    await syncStageOutputs(artifacts, plan, root, { signal: AbortSignal.abort(), exitFile: join(root, '.kiln-exit') });
    await finishPod(name, code === 0 ? { 'kiln.dev/simulate': 'succeed' } : { 'kiln.dev/simulate': 'exit-code', 'kiln.dev/simulate-exit-code': String(code) });
  };

  const finishPod = (name: string, outcome: Record<string, string>) =>
    clients.core.patchNamespacedPod(
      { name, namespace: clients.namespace, body: { metadata: { annotations: { ...outcome, 'kiln.dev/simulate-delay': '0s' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

  const watch = async () => {
    if (stopped) return;
    controller = await clients.watch.watch(
      `/api/v1/namespaces/${clients.namespace}/pods`,
      { labelSelector: 'app.kubernetes.io/component in (stage,image-build)' },
      (_type, pod: k8s.V1Pod) => {
        const name = pod.metadata?.name;
        const running = pod.status?.phase === 'Running' && pod.status.containerStatuses?.every((c) => c.state?.running);
        if (!name || !running || seen.has(name)) return;
        seen.add(name);
        // An image build: Kaniko's work (pull, install, push) is what no container runtime here can do; it succeeds.
        const work =
          pod.metadata?.labels?.['app.kubernetes.io/component'] === 'image-build' ? finishPod(name, { 'kiln.dev/simulate': 'succeed' }) : handle(pod);
        work.catch((error: unknown) => console.error(`pod stand-in: ${name}:`, error));
      },
      () => void watch(),
    );
  };
  void watch();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
