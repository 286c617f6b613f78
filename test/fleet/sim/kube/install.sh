#!/bin/sh
# Runs at the build of fleetsweep-worker:test: installs the Kubernetes stand-ins (kubectl answers
# from a JSON cluster state; kubelet-sim does the attach/mount part of kubelet). See README.md.
set -eu
HERE=/opt/fleetsweep-sim/kube
install -m 0755 "$HERE/kubectl.py" /usr/local/bin/kubectl
install -m 0755 "$HERE/kubectl-sim.py" /usr/local/bin/kubectl-sim
install -m 0755 "$HERE/kubelet-sim.py" /usr/local/bin/kubelet-sim
install -d -m 0755 /var/lib/fleetsweep-sim/kube /etc/fleetsweep-sim
python3 -c 'import yaml' # kubectl -o yaml (python3-yaml comes with ceph-common)
