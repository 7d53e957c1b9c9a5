#!/usr/bin/env bash
# `make demo-full`: the same demo on the scale-out backends: MariaDB for metadata, MinIO for
# artifacts, each started locally on loopback (installed or built first if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export KILN_DATABASE_URL="$(bash scripts/mariadb.sh start)"
export KILN_ARTIFACTS_URL="$(bash scripts/minio.sh start)"
# Its own data directory: the embedded demo's SQLite and files stay as they are.
export KILN_HOME="${KILN_HOME:-.kiln-full}"
node bin/kiln.js doctor
node bin/kiln.js demo
echo "MariaDB and MinIO keep running for \`kiln up\` with the same variables:"
echo "  KILN_HOME=$KILN_HOME KILN_DATABASE_URL=<see: bash scripts/mariadb.sh url> KILN_ARTIFACTS_URL=<see: bash scripts/minio.sh url> npx kiln up"
echo "stop them with: make services-down"
