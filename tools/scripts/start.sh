#!/usr/bin/env bash
# `npm start`: runs the whole system with local defaults (see tools/servers/start-system.mjs).
. "$(dirname "$0")/prepare.sh"
cd "$RMA_ROOT"
exec node tools/servers/start-system.mjs
