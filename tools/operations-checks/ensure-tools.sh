#!/usr/bin/env bash
# The Debian tools tools/operations-checks runs: promtool and prometheus (package prometheus),
# prometheus-blackbox-exporter, and kubectl 1.20 (package kubernetes-client) for its kustomize. Installs
# what is missing when root on a Debian-like system (seconds), and does nothing when all are there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# kubectl 1.20 is unpacked into .cache/tools, not installed: machines that have another kubectl package
# (Google Cloud SDK's) would conflict on /usr/bin/kubectl, and the checks want this one's old kustomize
# (v2.0.3), the oldest the manifests promise to render with.
kubectl_dir="$root/.cache/tools/kubernetes-client"
if [ ! -x "$kubectl_dir/usr/bin/kubectl" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: no apt-get to fetch Debian's kubernetes-client into $kubectl_dir" >&2
    exit 1
  fi
  echo "ensure-tools: unpacking Debian's kubernetes-client (kubectl 1.20) into .cache/tools" >&2
  download="$(mktemp -d)"
  chmod 777 "$download"
  if ! (cd "$download" && apt-get download -qq kubernetes-client >/dev/null 2>&1); then
    apt-get update -qq >/dev/null
    (cd "$download" && apt-get download -qq kubernetes-client >/dev/null 2>&1)
  fi
  mkdir -p "$kubectl_dir"
  dpkg -x "$download"/kubernetes-client_*.deb "$kubectl_dir"
  rm -rf "$download"
fi

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
