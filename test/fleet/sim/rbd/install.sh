#!/bin/sh
# Runs at the build of fleetsweep-worker:test (every /opt/fleetsweep-sim/*/install.sh is run):
# installs the rbd stand-in (krbd emulated with rbd-fuse), the bind-source shim and the
# filesystem helpers. See README.md beside this file.
set -eu
HERE=/opt/fleetsweep-sim/rbd

# fuse2fs: the "kubelet mount" of an rbd device (ext4 through FUSE; a kernel mount would need a
# loop device). gcc + libc6-dev only to compile the LD_PRELOAD shim, then purged again.
need=""
command -v fuse2fs >/dev/null 2>&1 || need="fuse2fs"
# the worker Dockerfile runs this right after its own apt-get install, lists still there
updated=0
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then apt-get update; updated=1; fi
apt-get install -y gcc libc6-dev $need
[ -z "$need" ] || apt-mark manual $need >/dev/null
gcc -O2 -Wall -Werror -shared -fPIC -o /usr/local/lib/libbindsrc.so "$HERE/bindsrc.c" -ldl
apt-get purge -y --auto-remove gcc libc6-dev
if [ "$updated" = 1 ]; then apt-get clean; rm -rf /var/lib/apt/lists/*; fi

install -m 0755 "$HERE/rbd-sim.py" /usr/local/bin/rbd
install -m 0755 "$HERE/fleetsweep-sim-fs" /usr/local/bin/fleetsweep-sim-fs
install -d -m 0755 /var/lib/fleetsweep-sim/rbd

# The stand-in must shadow the real CLI on every PATH a session may have (ssh, sudo's secure_path).
[ "$(command -v rbd)" = /usr/local/bin/rbd ]
test -x /usr/bin/rbd && test -x /usr/bin/rbd-fuse && command -v fuse2fs >/dev/null
