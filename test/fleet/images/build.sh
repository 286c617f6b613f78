#!/bin/bash
# Builds the local-only images of the test fleet: fleetsweep-base:bookworm (debootstrap'd
# rootfs, imported) and fleetsweep-node:test (sshd node, FROM the base). Idempotent and cached:
# no registry is reachable here, so nothing is ever pulled.
#
# Env: FLEETSWEEP_CACHE   (/var/cache/fleetsweep)  where the rootfs is kept, outside the repo
#      FLEETSWEEP_MIRROR  (http://deb.debian.org/debian)
#      FLEETSWEEP_REBUILD=1  rebuild both images even when the cache says they are current
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FLEETSWEEP_CACHE:-/var/cache/fleetsweep}
MIRROR=${FLEETSWEEP_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
ROOTFS=$CACHE/rootfs-$SUITE
BASE_IMAGE=fleetsweep-base:$SUITE
NODE_IMAGE=fleetsweep-node:test
NODE_CONTEXT=$HERE/node
HASH_LABEL=fleetsweep.build-hash

log() { printf 'build.sh: %s\n' "$*" >&2; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

docker info >/dev/null 2>&1 || { log "docker is not usable (is dockerd running?)"; exit 1; }
mkdir -p "$CACHE"

if [ "${FLEETSWEEP_REBUILD:-0}" = 1 ]; then
  log "FLEETSWEEP_REBUILD=1: dropping the cached rootfs and images"
  docker image rm -f "$NODE_IMAGE" "$BASE_IMAGE" >/dev/null 2>&1 || true
  rm -rf "$ROOTFS"
fi

# (a) base image. The marker is written last, so an interrupted debootstrap is redone from
# scratch instead of being imported half-done.
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "$BASE_IMAGE exists, skipping debootstrap and import"
else
  if [ ! -e "$ROOTFS/.fleetsweep-complete" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is not installed (apt-get install -y debootstrap)"; exit 1; }
    t0=$(date +%s)
    log "debootstrap $SUITE (minbase) from $MIRROR into $ROOTFS"
    rm -rf "$ROOTFS"
    if ! debootstrap --variant=minbase --components=main "$SUITE" "$ROOTFS" "$MIRROR" \
        >"$CACHE/debootstrap.log" 2>&1; then
      log "debootstrap failed; last lines of $CACHE/debootstrap.log:"
      tail -n 20 "$CACHE/debootstrap.log" >&2
      exit 1
    fi
    # The image needs no apt cache or lists; they only make it bigger.
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
    date -u +%Y-%m-%dT%H:%M:%SZ >"$ROOTFS/.fleetsweep-complete"
    log "debootstrap done in $(elapsed "$t0")"
  fi
  t0=$(date +%s)
  log "importing $ROOTFS as $BASE_IMAGE"
  tar --numeric-owner --xattrs -C "$ROOTFS" --exclude=./.fleetsweep-complete -c . |
    docker import \
      --change 'CMD ["/bin/bash"]' \
      --change 'ENV LANG=C.UTF-8' \
      --change "LABEL fleetsweep.rootfs=$SUITE-minbase fleetsweep.debootstrapped=$(cat "$ROOTFS/.fleetsweep-complete")" \
      - "$BASE_IMAGE" >/dev/null
  log "import done in $(elapsed "$t0")"
fi

# (b) derived images, each FROM the one before: node (sshd), worker (node + storage simulators:
# FUSE sysfs/devices, multipath/rbd/kubectl stand-ins, rbd-fuse), ceph (worker + mon/mgr/osd).
# The hash covers every file of the build context and the parent image id, so a changed
# Dockerfile, script or re-imported base triggers a rebuild, and nothing else does.
# A context dir may hold a `context` file naming another dir to use as build context (the worker
# image copies test/fleet/sim/).
build_image() { # build_image NAME CONTEXT_DIR PARENT_IMAGE
  local image=$1 dir=$2 parent=$3 ctx parent_id want have t0
  ctx=$dir
  [ -f "$dir/context" ] && ctx=$(cd "$dir" && cd "$(cat context)" && pwd)
  parent_id=$(docker image inspect --format '{{.Id}}' "$parent")
  want=$( { echo "$parent_id"; cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum;
            cd "$ctx" && find . -type f -not -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-64)
  have=$(docker image inspect --format "{{index .Config.Labels \"$HASH_LABEL\"}}" "$image" 2>/dev/null || true)
  if [ "$have" = "$want" ]; then
    log "$image is current ($HASH_LABEL=${want:0:12}), skipping build"
    return 0
  fi
  t0=$(date +%s)
  log "building $image (${have:+stale $HASH_LABEL=${have:0:12}, }want ${want:0:12})"
  # Legacy builder on purpose: BuildKit through buildx would need the network.host entitlement,
  # and RUN steps need the host network to reach the Debian mirror (there is no bridge).
  if ! DOCKER_BUILDKIT=0 docker build --force-rm --network host --label "$HASH_LABEL=$want" \
      -f "$dir/Dockerfile" -t "$image" "$ctx" >"$CACHE/${image%%:*}-build.log" 2>&1; then
    log "docker build of $image failed; last lines of $CACHE/${image%%:*}-build.log:"
    tail -n 30 "$CACHE/${image%%:*}-build.log" >&2
    exit 1
  fi
  log "$image built in $(elapsed "$t0")"
  # Old builds are now dangling; drop them so the cache does not grow forever.
  docker image prune -f --filter "label=$HASH_LABEL" >/dev/null 2>&1 || true
}

build_image "$NODE_IMAGE" "$NODE_CONTEXT" "$BASE_IMAGE"
if [ -f "$HERE/worker/Dockerfile" ]; then build_image fleetsweep-worker:test "$HERE/worker" "$NODE_IMAGE"; fi
if [ -f "$HERE/ceph/Dockerfile" ]; then build_image fleetsweep-ceph:test "$HERE/ceph" fleetsweep-worker:test; fi
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^fleetsweep-' >&2 || true
