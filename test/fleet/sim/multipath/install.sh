#!/bin/sh
# Worker image build step for the multipath/SCSI simulator: stand-in CLIs first on PATH, the start
# script, and a start hook (run by fleetsweep-node-start if it runs /etc/fleetsweep-start.d/*.sh).
set -eu
HERE=/opt/fleetsweep-sim/multipath
chmod 0755 "$HERE/bin/mpsim-tool" "$HERE/bin/fsim-start" 2>/dev/null || true  # ro in a dev bind mount
for tool in multipath multipathd dmsetup fsimctl; do
  ln -sf "$HERE/bin/mpsim-tool" "/usr/local/sbin/$tool"
done
ln -sf "$HERE/bin/fsim-start" /usr/local/sbin/fsim-start
mkdir -p /etc/fleetsweep-start.d /var/lib/fleetsweep-sim/multipath /etc/multipath
cat >/etc/fleetsweep-start.d/50-multipath-sim.sh <<'HOOK'
# Starts the multipath/SCSI simulator when the container has FUSE (multipathNodeCustomize).
if [ -c /dev/fuse ]; then /usr/local/sbin/fsim-start || echo "multipath sim did not start" >&2; fi
HOOK
python3 -c "import sys; sys.path.insert(0, '$HERE'); import mpsim.fsimd, mpsim.cli, mpsim.fsimctl"
