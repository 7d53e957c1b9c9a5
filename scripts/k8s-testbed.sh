#!/usr/bin/env bash
# A real Kubernetes control plane for tests, with no container engine: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler as local processes on loopback, and kwok playing
# the kubelets of two fake nodes (its Stage objects in scripts/k8s/stages/ decide what the
# "containers" do). API objects, RBAC, scheduling and GPU accounting, and the Job controller are
# real; containers are not. The binaries come from scripts/ensure-tools.sh k8s.
#
#   scripts/k8s-testbed.sh start        start (or reuse a live one); prints the admin kubeconfig path
#   scripts/k8s-testbed.sh kubeconfig   prints the admin kubeconfig path of the live one, or exits 1
#   scripts/k8s-testbed.sh env          KUBECONFIG=... and KILN_KUBE_WORKER_KUBECONFIG=... lines
#                                       (`export $(scripts/k8s-testbed.sh env)`)
#   scripts/k8s-testbed.sh stop         stops every process and deletes the state
#
# Two identities: admin (group system:masters) in kubeconfig, and kiln-worker in
# worker.kubeconfig, a user in no group with any privilege, for testing Kiln's own Role.
# Fake nodes: kiln-gpu-node (8 CPU, 32Gi, 2 nvidia.com/gpu) and kiln-cpu-node (4 CPU, 16Gi).
#
# Container logs: the API server reaches kwok as the nodes' kubelet (127.0.0.1:<kwok port>),
# so `GET pods/log` works. Every pod's log is the empty file logs/empty.log (a ClusterLogs in
# the kwok config) unless a `kwok.x-k8s.io/v1alpha1 Logs` object named like the pod, in its
# namespace, points a container at another file: spec.logs: [{containers: [c], logsFile: /abs/path}]
# (`follow: true` streams lines appended later). Files are in CRI log format, one line each:
# `2025-01-01T00:00:00.000000000Z stdout F the message`.
#
# State lives in $KILN_SERVICES_DIR/k8s (default ${TMPDIR:-/tmp}/kiln-services-$UID/k8s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tool-versions.sh
. "$here/tool-versions.sh"
tools="${KILN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/tools}"
kube_bin="$tools/kubernetes-$KUBERNETES_VERSION/bin"
etcd="$tools/etcd-$ETCD_VERSION/bin/etcd"
kwok="$tools/kwok-$KWOK_VERSION/bin/kwok"
kwok_crds="$tools/kwok-$KWOK_VERSION/crd"
kubectl="$kube_bin/kubectl"
services="${KILN_SERVICES_DIR:-${TMPDIR:-/tmp}/kiln-services-$(id -u)}"
state="$services/k8s"
readiness_seconds="${KILN_K8S_START_TIMEOUT:-120}"
# Stopped in this order (clients before the servers they talk to).
components=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

name=k8s-testbed
# shellcheck source=lib/service-common.sh
. "$here/lib/service-common.sh"

# A component's pid, only if that process is still ours (its command line names our state
# directory), so a reused pid is never signalled.
component_pid() { # component
  local pid
  pid="$(cat "$state/$1.pid" 2>/dev/null)" || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$state/" || return 1
  echo "$pid"
}

kube() { "$kubectl" --kubeconfig "$state/kubeconfig" --request-timeout=10s "$@"; }

is_live() {
  [ -f "$state/kubeconfig" ] && [ -f "$state/ready" ] || return 1
  local c
  for c in "${components[@]}"; do component_pid "$c" >/dev/null || return 1; done
  api_ready
}

# HTTPS status of a GET, certificate not checked (the components serve self-signed ones).
https_status() {
  node -e "require('https').get(process.argv[1],{rejectUnauthorized:false},(r)=>{console.log(r.statusCode);r.resume()}).on('error',()=>console.log('000'))" "$1"
}

# N distinct free loopback ports, held open together so they differ.
free_ports() { # count
  node -e "
    const net = require('net'); const n = Number(process.argv[1]); const servers = [];
    const next = () => servers.length === n
      ? (console.log(servers.map((s) => s.address().port).join(' ')), servers.forEach((s) => s.close()))
      : servers.push(net.createServer().listen(0, '127.0.0.1', next));
    next();" "$1"
}

# Runs a component in its own session, logging to logs/NAME.log; fd 8 (the lock) is closed
# for it, or it would hold the lock as long as it runs.
launch() { # name binary args...
  local component="$1"
  shift
  setsid "$@" </dev/null >"$state/logs/$component.log" 2>&1 8>&- &
  echo $! >"$state/$component.pid"
}

# Readiness checks for wait_for.
http_ok() { [ "$(http_status "$1")" = 200 ]; }
https_ok() { [ "$(https_status "$1")" = 200 ]; }
api_ready() { [ "$(kube get --raw /readyz 2>/dev/null)" = ok ]; }
nodes_ready() { kube wait --for condition=Ready node --all --timeout 1s >/dev/null 2>&1; }
# kubectl wait fails outright (not waits) while a new CRD has no status yet: poll instead.
crd_established() { kube wait --for condition=Established "crd/$1" --timeout 1s >/dev/null 2>&1; }

# Polls a check (a command that succeeds when ready) for up to readiness_seconds, failing early
# with the component's log when it exits.
wait_for() { # component check...
  local component="$1" waited=0
  shift
  until "$@"; do
    component_pid "$component" >/dev/null || die "$component exited: $(tail -n 5 "$state/logs/$component.log")"
    [ "$waited" -lt $((readiness_seconds * 10)) ] || die "$component not ready after ${readiness_seconds}s: $(tail -n 3 "$state/logs/$component.log")"
    sleep 0.1
    waited=$((waited + 1))
  done
}

write_kubeconfig() { # file port user token
  (umask 077 && cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kiln-testbed
  cluster:
    server: https://127.0.0.1:$2
    insecure-skip-tls-verify: true
users:
- name: $3
  user:
    token: $4
contexts:
- name: kiln-testbed
  context: { cluster: kiln-testbed, user: $3 }
current-context: kiln-testbed
EOF
  )
}

# The kwok config: our Stage objects, plus the default (empty) log of every container.
write_kwok_config() {
  : >"$state/logs/empty.log"
  {
    for f in "$here"/k8s/stages/*.yaml; do cat "$f"; echo '---'; done
    cat <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: kiln-default-logs
spec:
  logs:
  - logsFile: $state/logs/empty.log
EOF
  } >"$state/kwok.yaml"
}

fake_node() { # name cpu memory gpus
  local gpu_labels="" gpu_capacity=""
  if [ "$4" -gt 0 ]; then
    gpu_labels="nvidia.com/gpu.present: \"true\", nvidia.com/gpu.product: NVIDIA-A100-SXM4-40GB, nvidia.com/gpu.count: \"$4\","
    gpu_capacity="nvidia.com/gpu: \"$4\","
  fi
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $1
  annotations: { kwok.x-k8s.io/node: fake }
  labels: { $gpu_labels kubernetes.io/hostname: $1, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok, kiln.dev/testbed: "true" }
status:
  capacity: { $gpu_capacity cpu: "$2", memory: $3, pods: "110" }
  allocatable: { $gpu_capacity cpu: "$2", memory: $3, pods: "110" }
---
EOF
}

start() {
  mkdir -p "$services"
  # One starter at a time: a second `start` waits, then reuses what the first started.
  exec 8>"$services/k8s.lock"
  flock 8
  if is_live; then echo "$state/kubeconfig"; return 0; fi
  stop_components
  rm -rf "$state"
  local b
  for b in "$etcd" "$kwok" "$kube_bin"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}; do
    [ -x "$b" ] || { bash "$here/ensure-tools.sh" k8s >&2; break; }
  done
  for b in "$etcd" "$kwok" "$kube_bin"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}; do
    [ -x "$b" ] || die "$(basename "$b") not found at $b after scripts/ensure-tools.sh k8s"
  done
  mkdir -p "$state/logs" "$state/certs"
  chmod 700 "$state"
  # A start that fails part-way stops what it started (the logs stay, for the reason).
  trap stop_components EXIT

  local etcd_port peer_port api_port kcm_port sched_port kwok_port admin_token worker_token
  read -r etcd_port peer_port api_port kcm_port sched_port kwok_port <<<"$(free_ports 6)"
  admin_token="$(random_token admin- 40 'A-Za-z0-9')"
  worker_token="$(random_token worker- 40 'A-Za-z0-9')"
  (
    umask 077
    # token,user,uid,"groups": kiln-worker gets only system:authenticated (added by the server).
    printf '%s,kiln-admin,kiln-admin,"system:masters"\n%s,kiln-worker,kiln-worker\n' "$admin_token" "$worker_token" >"$state/tokens.csv"
    openssl genrsa -out "$state/sa.key" 2048 2>"$state/logs/openssl.log" || die "openssl genrsa failed: $(cat "$state/logs/openssl.log")"
  )
  write_kubeconfig "$state/kubeconfig" "$api_port" kiln-admin "$admin_token"
  write_kubeconfig "$state/worker.kubeconfig" "$api_port" kiln-worker "$worker_token"
  write_kwok_config

  # No fsync: the data is thrown away, and fsync dominates etcd's latency on a busy disk.
  launch etcd "$etcd" --name kiln --data-dir "$state/etcd" --log-level warn --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "kiln=http://127.0.0.1:$peer_port"
  wait_for etcd http_ok "http://127.0.0.1:$etcd_port/health"

  # ServiceAccount admission off: pods need no service account or token (no token controller
  # runs). TaintNodesByCondition off: it taints new nodes not-ready, and the node lifecycle
  # controller that would lift the taint is not run. No endpoint reconciler: the "kubernetes"
  # Service would advertise 127.0.0.1, which is meaningless to pods that never run.
  # InternalIP first, so the API server dials the fake kubelets at 127.0.0.1 for logs; it
  # does not verify their certificates, as no --kubelet-certificate-authority is given.
  launch kube-apiserver "$kube_bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$state/certs" \
    --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$state/sa.key" --service-account-signing-key-file "$state/sa.key" \
    --token-auth-file "$state/tokens.csv" --authorization-mode RBAC \
    --disable-admission-plugins ServiceAccount,TaintNodesByCondition \
    --kubelet-preferred-address-types InternalIP --profiling=false
  wait_for kube-apiserver api_ready

  # Only the controllers whose behaviour Kiln relies on; no leader election (one instance).
  launch kube-controller-manager "$kube_bin/kube-controller-manager" --kubeconfig "$state/kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "$kcm_port" --profiling=false \
    --controllers job-controller,cronjob-controller,deployment-controller,replicaset-controller,garbage-collector-controller,namespace-controller,endpointslice-controller,ttl-after-finished-controller
  launch kube-scheduler "$kube_bin/kube-scheduler" --kubeconfig "$state/kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "$sched_port" --profiling=false
  # kwok watches Logs objects (per-pod log files); their CRD must exist before it starts. Its
  # pod IPs (--cidr) are labels only: nothing is routed to them.
  kube apply -f "$kwok_crds/kwok.x-k8s.io_logs.yaml" >/dev/null
  wait_for kube-apiserver crd_established logs.kwok.x-k8s.io
  launch kwok "$kwok" --kubeconfig "$state/kubeconfig" --config "$state/kwok.yaml" --enable-crds Logs \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port" --cidr 10.244.0.0/20
  { fake_node kiln-gpu-node 8 32Gi 2; fake_node kiln-cpu-node 4 16Gi 0; } | kube create -f - >/dev/null

  wait_for kube-controller-manager https_ok "https://127.0.0.1:$kcm_port/healthz"
  wait_for kube-scheduler https_ok "https://127.0.0.1:$sched_port/healthz"
  wait_for kwok http_ok "http://127.0.0.1:$kwok_port/healthz"
  wait_for kwok nodes_ready
  touch "$state/ready"
  trap - EXIT
  echo "$state/kubeconfig"
}

# Whether a process runs: an exited one may linger as a zombie until its (inherited) parent reaps it.
running() { # pid
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

stop_components() {
  local c pid waited
  for c in "${components[@]}"; do
    pid="$(component_pid "$c")" || continue
    kill "$pid" 2>/dev/null || continue
    waited=0
    while running "$pid" && [ "$waited" -lt 100 ]; do sleep 0.05; waited=$((waited + 1)); done
    if running "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  done
}

stop() {
  mkdir -p "$services"
  exec 8>"$services/k8s.lock"
  flock 8
  stop_components
  rm -rf "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kubeconfig) is_live || die "no testbed running (state in $state)"; echo "$state/kubeconfig" ;;
  env)
    is_live || die "no testbed running (state in $state)"
    echo "KUBECONFIG=$state/kubeconfig"
    echo "KILN_KUBE_WORKER_KUBECONFIG=$state/worker.kubeconfig"
    ;;
  *) die "usage: $0 start | stop | kubeconfig | env" ;;
esac
