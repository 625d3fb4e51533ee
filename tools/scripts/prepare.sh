# shellcheck shell=bash
# Sourced by start.sh, test.sh and .ci/run: Node 24 on PATH, npm packages matching the lockfile, and
# redis-server installed. Safe to run again: each step is skipped when already done.
set -euo pipefail
RMA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$RMA_ROOT/tools/scripts/use-node.sh"

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f "$RMA_ROOT/node_modules/.package-lock.json" ] ||
  [ "$RMA_ROOT/package-lock.json" -nt "$RMA_ROOT/node_modules/.package-lock.json" ]; then
  echo "prepare: installing npm packages (npm ci)" >&2
  (cd "$RMA_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi

bash "$RMA_ROOT/tools/scripts/ensure-redis.sh"
