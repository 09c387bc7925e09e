# Baton image: Node 20 slim with the baton-temporal package built from this checkout, run as
# `baton worker` by default (compose.yaml also runs it as the orchestrator).
#   docker build -t baton-temporal .
#   docker build -t baton-temporal --build-arg WITH_CODEX=false .   # without the Codex CLI (~400 MB less)
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp

FROM node:20-slim
ARG WITH_CODEX=true
# git and bash for workspaces, hooks and agents; ca-certificates for trackers and Temporal Cloud.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bash ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /tmp/baton-temporal-*.tgz /tmp/
# The Codex CLI is an optional dependency: WITH_CODEX=false leaves it out.
RUN npm install -g --no-audit --no-fund $([ "$WITH_CODEX" = true ] || echo --omit=optional) /tmp/baton-temporal-*.tgz \
 && rm /tmp/baton-temporal-*.tgz \
 && npm cache clean --force
USER node
WORKDIR /home/node
ENTRYPOINT ["baton"]
CMD ["worker"]
