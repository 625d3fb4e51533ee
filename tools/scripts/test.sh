#!/usr/bin/env bash
# `npm test`: lint, type-check, unit, integration and e2e tests and builds of every project, against one
# shared set of real servers (tools/servers). Nx caches results, so a second run redoes only what changed.
# Extra arguments go to nx (for example: npm test -- --skip-nx-cache).
. "$(dirname "$0")/prepare.sh"
cd "$RMA_ROOT"
rm -rf tmp/test-results
mkdir -p tmp/test-results
# Nx records each run's tasks and exit codes in run.json in its cache directory (nx has no public API for
# where that is); the closing summary counts those, so a failed build, lint or type-check is a failure
# there too. Removed first so that a run that recorded nothing cannot be read as the previous one.
run_record="$(node -p "require('nx/src/utils/cache-directory').cacheDir")/run.json"
status=0
# The builds come first: the shared test servers include the local LLM server from dist/.
rm -f "$run_record"
npx nx run-many -t build --outputStyle=static "$@" || status=$?
cp "$run_record" tmp/test-results/nx-run-build.json 2>/dev/null || true
if [ "$status" -eq 0 ]; then
  rm -f "$run_record"
  node tools/servers/with-test-servers.mjs \
    npx nx run-many -t lint typecheck test e2e --outputStyle=static "$@" || status=$?
  cp "$run_record" tmp/test-results/nx-run-checks.json 2>/dev/null || true
fi
node tools/servers/test-summary.mjs tmp/test-results || status=1
exit "$status"
