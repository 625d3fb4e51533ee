#!/usr/bin/env bash
# `npm test`: lint, type-check, unit, integration and e2e tests and builds of every project, against one
# shared set of real servers (tools/servers). Nx caches results, so a second run redoes only what changed.
# Extra arguments go to nx (for example: npm test -- --skip-nx-cache).
. "$(dirname "$0")/prepare.sh"
cd "$RMA_ROOT"
rm -rf tmp/test-results
# The builds come first: the shared test servers include the local LLM server from dist/.
npx nx run-many -t build --outputStyle=static "$@"
status=0
node tools/servers/with-test-servers.mjs \
  npx nx run-many -t lint typecheck test e2e --outputStyle=static "$@" || status=$?
node tools/servers/test-summary.mjs tmp/test-results || status=1
exit "$status"
