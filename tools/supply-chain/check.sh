#!/usr/bin/env bash
# The supply-chain checks (#17), as .ci/run runs them after `npm test` (which built the apps): the licence
# report of every service image, the SBOMs in dist/sbom, then `npm audit` at level high against
# audit-allowlist.json. Every check runs; the exit status is 1 when any failed. `npm audit` needs the
# registry's audit endpoint: without it the audit fails and says so, it never passes unchecked.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tools/scripts/use-node.sh
status=0
for check in licences sbom audit; do
  node tools/scripts/ts-run.cjs "tools/supply-chain/src/${check}.cli.ts" || status=1
done
exit "$status"
