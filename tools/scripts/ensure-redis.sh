#!/usr/bin/env bash
# Makes sure `redis-server` is on PATH: installs Debian's package when missing and this is root on a
# Debian-like system, else says how to install it.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-redis: installing Debian's redis-server package" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or old on a fresh machine: update only when the install fails.
  if ! apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  fi
  command -v redis-server >/dev/null 2>&1 && exit 0
fi
cat >&2 <<'MSG'
ensure-redis: redis-server is not installed and could not be installed automatically.
Install Redis 7 and try again:
  Debian/Ubuntu:  sudo apt-get install redis-server
  macOS:          brew install redis
or point the services at a running Redis with REDIS_URL=redis://host:6379.
MSG
exit 1
