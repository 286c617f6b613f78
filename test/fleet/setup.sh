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
[ -x /usr/sbin/sshd ] || need+=(openssh-server)       # the transport tests run their own sshd on 127.0.3.1
[ -x /usr/bin/ssh-agent ] || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup: missing ${need[*]}; run as root (apt-get install)" >&2; exit 1; }
  step "apt-get install ${need[*]}"
  apt-get update -q >/dev/null
  # no daemon may start from a package here: a host sshd on *:22 would take the nodes' 127.x:22
  had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ $had_policy = 1 ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
  apt-get install -y -q "${need[@]}" </dev/null >/dev/null
  [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
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
