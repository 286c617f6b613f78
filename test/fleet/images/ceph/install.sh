#!/bin/sh
# Runs at the build of fleetsweep-ceph:test (see Dockerfile): installs the micro cluster's start
# script. The bind-source shim (libbindsrc.so) comes from the worker image (sim/rbd/install.sh).
set -eu
install -m 0755 /opt/fleetsweep-ceph/ceph-micro-start /usr/local/bin/ceph-micro-start
test -f /usr/local/lib/libbindsrc.so
