# The lora-lens command line in a container, e.g. for sharded zoo scans (docs/sharding.md):
#   docker build -t lora-lens .
#   docker run --rm -v "$PWD:/data" lora-lens scan /data/zoo --out /data/features.csv --shard 1/4
# Not built in CI; it follows .ci/run's install.

FROM node:20-slim AS build
WORKDIR /app
# onnxruntime-node's installer downloads CUDA binaries; the CPU build ships in the npm package
# itself, so the download is skipped (npm 10, which node:20 has, reads this variable).
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build --silent

# The run-time image: the bundles, the sample adapter `inspect` falls back on, and the one
# run-time dependency (onnxruntime-node, a native addon the bundles leave external).
FROM node:20-slim
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip npm_config_update_notifier=false NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY media/samples ./media/samples
USER node
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
