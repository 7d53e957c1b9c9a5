# Kiln's image: the API, workers, and the init containers / sidecars of stage and model-server
# pods (`kiln stage-io`, `kiln serving-io`) all run it. Build from the repository root:
#   docker build -t registry.example.com/kiln:$(git rev-parse --short HEAD) .
# The image's layout is scripts/image-tree.sh's, which the tests also run into a directory
# (test/integration/image-tree.test.ts), so it is tested without a container engine.
# Base images are pinned to a Node LTS patch release on Debian 12; pin their digests too where
# your registry policy asks for it (`docker buildx imagetools inspect node:24.22.3-bookworm-slim`).

FROM node:24.22.3-bookworm-slim AS build
# A C++ toolchain and Python for node-gyp: better-sqlite3 is built for this Node from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
# Only the compile, the workflow bundle and the console: make build would also fetch the dev tools (Temporal CLI, uv).
RUN npx tsc -p tsconfig.build.json \
 && npx tsx scripts/bundle-workflows.ts \
 && npx vite build --config console/vite.config.ts --logLevel warn \
 && bash scripts/image-tree.sh /app

FROM node:24.22.3-bookworm-slim
# Python runs the SDK's stage and serving helpers that the init containers copy into pods.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /var/lib/kiln --create-home kiln
COPY --from=build /app /app
WORKDIR /app
ENV NODE_ENV=production KILN_HOME=/var/lib/kiln KILN_LOG_FORMAT=json
# Stage and model-server pods run /app/bin/kiln.js from this image (stage-job.ts, model-deployment.ts).
# Non-root, the uid the stage and model-server pods also run as; the manifests mount /var/lib/kiln.
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/kiln.js"]
CMD ["worker"]
