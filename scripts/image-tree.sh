#!/usr/bin/env bash
# Lays out Kiln as its image holds it, in DEST (the Dockerfile runs this; so do the tests, into a
# temporary directory, since no container engine runs here): the compiled code and workflow
# bundle, production node_modules only, the Python SDK the stage and model-server pods copy in,
# the pinned tool versions, the examples, and the `kiln` entrypoint. Needs `make build` first.
# Usage: scripts/image-tree.sh DEST
set -euo pipefail
dest="${1:?usage: scripts/image-tree.sh DEST}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$repo/dist/workflow-bundle.js" ] || [ ! -f "$repo/dist/api/cli/main.js" ]; then
  echo "image-tree: $repo is not built; run make build first" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest/scripts" "$dest/sdk"
cp "$repo/package.json" "$repo/package-lock.json" "$dest/"
cp -R "$repo/bin" "$dest/bin"
# Compiled JavaScript without source maps (they point at sources the image does not hold).
(cd "$repo" && find dist -type f ! -name '*.map' ! -name '.kiln-built' -print0 | xargs -0 cp --parents -t "$dest")
cp -R "$repo/sdk/python" "$dest/sdk/python"
cp "$repo/scripts/tool-versions.sh" "$dest/scripts/"
# The examples (small): `kiln apply -f examples/…` in a pod gives a first run without uploading anything.
cp -R "$repo/examples" "$dest/examples"
find "$dest/sdk" "$dest/examples" -name '__pycache__' -type d -prune -exec rm -rf {} +
# The checkout's installed modules (native addons already built for this Node), minus dev dependencies.
cp -R "$repo/node_modules" "$dest/node_modules"
rm -f "$dest/node_modules/.kiln-installed"
(cd "$dest" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
# What only building or other platforms need: Temporal's native bridge for the other four
# platforms, better-sqlite3's sources and intermediate objects.
platform="$(node -p 'const a = { x64: "x86_64", arm64: "aarch64" }[process.arch]; process.platform === "linux" ? `${a}-unknown-linux-gnu` : ""')"
if [ -n "$platform" ]; then
  find "$dest/node_modules/@temporalio/core-bridge/releases" -mindepth 1 -maxdepth 1 -type d ! -name "$platform" -exec rm -rf {} +
fi
rm -rf "$dest/node_modules/better-sqlite3/deps" "$dest/node_modules/better-sqlite3/src" "$dest/node_modules/better-sqlite3/build/Release/obj.target" \
  "$dest/node_modules/better-sqlite3/build/Release/obj" "$dest/node_modules/better-sqlite3/build/Release/.deps" \
  "$dest/node_modules/better-sqlite3/build/Release/sqlite3.a" "$dest/node_modules/better-sqlite3/build/Release/test_extension.node"
# Scopes pruning emptied.
find "$dest/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
