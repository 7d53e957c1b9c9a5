import type { V1Capabilities, V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

/**
 * The user every container of a stage or model-server pod runs as. Numeric, so it needs no
 * entry in the image's /etc/passwd: environment images (python:*-slim plus pip packages) and
 * Kiln's own image both run as it. One user for the whole pod, because its containers share the
 * workspace volume: what the init container writes, the stage must be able to change.
 */
export const POD_USER = 10_001;

/**
 * Pod-level settings that meet the restricted Pod Security Standard: non-root, one user and
 * group for every container (fsGroup makes the shared emptyDir theirs), the runtime's default
 * seccomp profile.
 */
export function restrictedPodSecurity(): V1PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: POD_USER, runAsGroup: POD_USER, fsGroup: POD_USER, seccompProfile: { type: 'RuntimeDefault' } };
}

/**
 * Container-level settings of the restricted standard: no capabilities, no setuid escalation.
 * `readOnlyRoot`: for Kiln's own containers, which write only to their volumes; user code
 * (stage, model server) keeps a writable root, since libraries write caches where they like.
 */
export function restrictedContainerSecurity(options: { readOnlyRoot: boolean }): V1SecurityContext {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: options.readOnlyRoot, capabilities: { drop: ['ALL'] } };
}

/**
 * What the image builder keeps: Kaniko unpacks base-image layers and runs RUN steps as root in
 * its own root filesystem, so it needs root and the file-ownership capabilities of Docker's
 * default set. Raw sockets, binding low ports, chroot, audit writes and capability changes are
 * dropped, and nothing may gain privileges through setuid binaries.
 */
export const KANIKO_CAPABILITIES: Required<Pick<V1Capabilities, 'drop' | 'add'>> = {
  drop: ['ALL'],
  add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'SETGID', 'SETUID', 'SETFCAP'],
};

export function imageBuilderSecurity(): { pod: V1PodSecurityContext; container: V1SecurityContext } {
  return {
    pod: { seccompProfile: { type: 'RuntimeDefault' } },
    container: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: KANIKO_CAPABILITIES },
  };
}
