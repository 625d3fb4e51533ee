#!/usr/bin/env bash
# The Debian tools tools/operations-checks runs: promtool and prometheus (package prometheus) and
# prometheus-blackbox-exporter. Installs what is missing when root on a Debian-like system (a few seconds),
# and does nothing when all are there.
set -euo pipefail

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || missing+=(prometheus-blackbox-exporter)
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing Debian's ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or old on a fresh machine: update only when the install fails.
  # --no-install-recommends: no node-exporter. Debian's policy-rc.d or the absence of systemd keeps the
  # packages' own daemons from starting; the checks start their own on free ports.
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  exit 0
fi
echo "ensure-tools: missing ${missing[*]}; install them: sudo apt-get install ${missing[*]}" >&2
exit 1
