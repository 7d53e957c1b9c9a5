import { z } from 'zod';

const Toleration = z
  .object({
    key: z.string().optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .strict();

/** How Kiln uses a Kubernetes cluster (KILN_EXECUTOR=kubernetes). One schema; core/config.ts fills it from the environment. */
export const KubernetesSettings = z
  .object({
    /** kubeconfig file; unset: the in-cluster service account, then ~/.kube/config. */
    kubeconfig: z.string().min(1).optional(),
    /** Namespace of every object Kiln creates (Jobs, Deployments, Services). */
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
      .default('kiln'),
    /** Image with Kiln itself, for the stage init container (fetches inputs) and sidecar (stores outputs). */
    kilnImage: z.string().min(1).default('ghcr.io/kiln-mlops/kiln:latest'),
    /** Registry repository environment images are pushed to and pulled from, tagged by spec digest. */
    imageRegistry: z.string().min(1).default('registry.kiln.svc:5000/kiln-env'),
    /** Secret holding KILN_ARTIFACTS_URL (and S3 credentials) for the init container and sidecar. */
    artifactsSecret: z.string().min(1).default('kiln-artifacts'),
    /** Node selector and tolerations for every stage pod (GPU node pools are usually tainted). */
    nodeSelector: z.record(z.string(), z.string()).default({}),
    tolerations: z.array(Toleration).default([]),
    /** GPUs this deployment may use at once: the GPU task queue's worker slots. 0: no GPU stages. */
    gpuSlots: z.number().int().min(0).default(0),
    /** Annotations on every stage pod (e.g. cluster-autoscaler safe-to-evict, service-mesh opt-outs). */
    podAnnotations: z.record(z.string(), z.string()).default({}),
    /** Finished Jobs (and their pods) are deleted by the cluster after this long. */
    jobTtlSeconds: z.number().int().min(0).default(3600),
    /** An image holding code-server's standalone release at /usr/lib/code-server; unset: no code-server workspaces here. */
    codeServerImage: z.string().min(1).optional(),
  })
  .strict();
export type KubernetesSettings = z.infer<typeof KubernetesSettings>;
export type KubernetesSettingsInput = z.input<typeof KubernetesSettings>;
