#!/usr/bin/env bash
# The supply-chain checks (#17), as .ci/run runs them after `npm test` (which built the apps): the licence
# report of every service image, the SBOMs in dist/sbom, then `npm audit` at level high against
# audit-allowlist.json. Every check runs; the exit status is 1 when any failed. `npm audit` needs the
# registry's audit endpoint: without it the audit reports NOT RUN (never a pass), and fails the run only
# with RMA_REQUIRE_AUDIT=true (set it where the endpoint answers; the registry mirror CI uses here
# answers 405 to npm audit).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tools/scripts/use-node.sh
status=0
for check in licences sbom; do
  node tools/scripts/ts-run.cjs "tools/supply-chain/src/${check}.cli.ts" || status=1
done
node tools/scripts/ts-run.cjs tools/supply-chain/src/audit.cli.ts
audit=$?
if [ "$audit" -eq 2 ]; then
  echo "supply-chain: npm audit NOT RUN (no advisory was checked); RMA_REQUIRE_AUDIT=true makes this fail"
  [ "${RMA_REQUIRE_AUDIT:-false}" = true ] && status=1
elif [ "$audit" -ne 0 ]; then
  status=1
fi
exit "$status"
