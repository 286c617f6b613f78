#!/bin/bash
# Makes this machine able to run the test fleet and the demo: the Debian packages they need, a running
# Docker engine (Debian's docker.io), and the locally built images. Idempotent and quick when all is there.
# Run as root on Debian (CI and the quick start do). Used by .ci/run and `npm run demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export DEBIAN_FRONTEND=noninteractive
DOCKERD_LOG=/var/log/fleetsweep-dockerd.log
step() { printf '\n== %s\n' "$*"; }

# --- packages: only what is missing (a fresh machine has none of them) ---
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
{ command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; } || need+=(openssh-client)
command -v chromium >/dev/null || need+=(chromium)   # the HTML report's browser test (playwright-core drives it)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup: missing ${need[*]}; run as root (apt-get install)" >&2; exit 1; }
  step "apt-get install ${need[*]}"
  apt-get update -q >/dev/null
  apt-get install -y -q "${need[@]}" </dev/null >/dev/null
fi

# --- docker engine ---
# Flags: no docker0 bridge and no iptables rules. Every test container uses the host network and
# only 127.x addresses, so nothing needs NAT, and the host firewall stays untouched. Storage:
# dockerd picks overlay2 by itself here.
if ! docker info >/dev/null 2>&1; then
  step "starting dockerd (log: $DOCKERD_LOG)"
  setsid dockerd --iptables=false --ip6tables=false --bridge=none \
    </dev/null >"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    kill -0 $! 2>/dev/null || break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    echo "dockerd did not come up; last lines of $DOCKERD_LOG:" >&2
    tail -n 30 "$DOCKERD_LOG" >&2
    exit 1
  fi
fi
echo "docker $(docker info --format '{{.ServerVersion}} storage={{.Driver}}')"

step "building test images"
test/fleet/images/build.sh
