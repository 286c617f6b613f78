#!/usr/bin/python3
"""kubelet-sim: the part of kubelet (and of the attach/detach controller) the rbd scenarios need.

  kubelet-sim reconcile        for every Pending pod bound to this node: attach, map, fsck, mount
  kubelet-sim mount NS/NAME    map + fsck -a + mount the pod's rbd volumes here, whatever its phase
                               (scenario set-up of pods that run legitimately)
Both print one JSON line per volume: {"pod", "pv", "result": running|mounted|multi-attach|
fsck-failed|map-failed|mount-failed, "device", "detail"}; the exit code is 0 even when a pod
stays Pending (that is an outcome, recorded as events, like the real kubelet).

Rules (a deliberately small model of the real thing):
  * attach: blocked while the image has a watcher whose address is not one of this node's storage
    addresses (/etc/fleetsweep-sim/node.json): event FailedAttachVolume "Multi-Attach error ..."
    from attachdetach-controller, as the controller reports an RWO volume still attached elsewhere.
    Otherwise the volume is attached here: other nodes' VolumeAttachments (ceph-csi PVs) or
    status.volumesAttached entries (in-tree rbd) for it are dropped, SuccessfulAttachVolume.
  * mount device: `rbd map` (if not mapped here yet), `fsck -a DEVICE` like kubelet's
    SafeFormatAndMount; exit code with bit 4 set -> FailedMount with kubelet's message and fsck's
    output (the seed's "UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY"), the pod stays Pending and
    the device stays mapped. Else fuse2fs mounts it at the plugin's global mount path and a bind
    mount puts it at the pod's volume path; the pod becomes Running.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, '/opt/fleetsweep-sim/kube')
import kubesim  # noqa: E402

KUBELET = '/var/lib/kubelet'


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def pv_image(pv):
    spec = pv.get('spec', {})
    if 'rbd' in spec:
        return 'intree', spec['rbd'].get('pool', 'rbd'), spec['rbd']['image']
    attrs = spec.get('csi', {}).get('volumeAttributes', {})
    if spec.get('csi', {}).get('driver', '').endswith('rbd.csi.ceph.com'):
        return 'csi', attrs.get('pool', 'rbd'), attrs['imageName']
    return None, None, None


def paths(driver, pool, image, pv, pod_uid):
    if driver == 'intree':
        return (f'{KUBELET}/plugins/kubernetes.io/rbd/mounts/{pool}-image-{image}',
                f'{KUBELET}/pods/{pod_uid}/volumes/kubernetes.io~rbd/{pv}')
    return (f'{KUBELET}/plugins/kubernetes.io/csi/pv/{pv}/globalmount',
            f'{KUBELET}/pods/{pod_uid}/volumes/kubernetes.io~csi/{pv}/mount')


def mounted(path):
    with open('/proc/self/mountinfo') as f:
        return any(line.split()[4] == path for line in f)


def foreign_watchers(pool, image, mine):
    r = run(['rbd', 'status', '--format', 'json', f'{pool}/{image}'], timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f'rbd status {pool}/{image}: {r.stderr.strip()}')
    out = []
    for w in json.loads(r.stdout).get('watchers', []):
        ip = w['address'].rsplit(':', 1)[0].strip('[]')
        if ip not in mine:
            out.append(w['address'])
    return out


def device_for(pool, image):
    r = run(['rbd', 'showmapped', '--format', 'json'])
    for m in json.loads(r.stdout or '[]'):
        if m['pool'] == pool and m['name'] == image and m['snap'] == '-':
            return m['device']
    return None


def mount_volume(driver, pool, image, pv, uid):
    """map + fsck -a + fuse2fs + bind; returns (result, device, detail)."""
    global_path, pod_path = paths(driver, pool, image, pv, uid)
    dev = device_for(pool, image)
    if dev is None:
        r = run(['rbd', 'map', f'{pool}/{image}'], timeout=90)
        if r.returncode != 0:
            return 'map-failed', None, (r.stdout + r.stderr).strip()
        dev = r.stdout.strip().splitlines()[-1]
    if not mounted(global_path):
        f = run(['fsck', '-a', dev], timeout=120)
        out = (f.stdout + f.stderr).rstrip('\n')
        if f.returncode & 4 or f.returncode & 8:
            if driver == 'intree':
                msg = (f'rbd: failed to mount device {dev} at {global_path} (fstype: ), error \'fsck\' found errors on '
                       f'device {dev} but could not correct them: {out}')
            else:
                msg = (f'rpc error: code = Internal desc = \'fsck\' found errors on device {dev} but could not '
                       f'correct them: {out}')
            return 'fsck-failed', dev, msg
        os.makedirs(global_path, exist_ok=True)
        m = run(['fuse2fs', dev, global_path], timeout=60)
        if m.returncode != 0:
            return 'mount-failed', dev, (m.stdout + m.stderr).strip()
    if not mounted(pod_path):
        os.makedirs(pod_path, exist_ok=True)
        b = run(['mount', '--bind', global_path, pod_path])
        if b.returncode != 0:
            return 'mount-failed', dev, b.stderr.strip()
    return 'mounted', dev, global_path


def pod_volumes(state, pod):
    ns = pod['metadata'].get('namespace', 'default')
    for v in pod.get('spec', {}).get('volumes', []):
        claim = v.get('persistentVolumeClaim', {}).get('claimName')
        if not claim:
            continue
        pvc = kubesim.find(state, 'persistentvolumeclaims', claim, ns)
        pv = kubesim.find(state, 'persistentvolumes', pvc['spec'].get('volumeName'), None) if pvc else None
        if pv is None:
            continue
        driver, pool, image = pv_image(pv)
        if driver:
            yield pv, driver, pool, image


def set_attached(state, pv, driver, pool, image, me):
    name = pv['metadata']['name']
    if driver == 'csi':
        vas = state.setdefault('volumeattachments', [])
        for va in list(vas):
            if va['spec'].get('source', {}).get('persistentVolumeName') == name and va['spec'].get('nodeName') != me:
                vas.remove(va)
        if not any(va['spec'].get('source', {}).get('persistentVolumeName') == name for va in vas):
            vas.append({'apiVersion': 'storage.k8s.io/v1', 'kind': 'VolumeAttachment',
                        'metadata': {'name': 'csi-' + os.urandom(32).hex(), 'creationTimestamp': kubesim.iso(kubesim.now())},
                        'spec': {'attacher': pv['spec']['csi']['driver'], 'nodeName': me,
                                 'source': {'persistentVolumeName': name}},
                        'status': {'attached': True}})
    else:
        vol = f'kubernetes.io/rbd/{pool}:{image}'
        for n in state.get('nodes', []):
            st = n.setdefault('status', {})
            lst = [a for a in st.get('volumesAttached', []) if a.get('name') != vol]
            if n['metadata']['name'] == me:
                lst.append({'name': vol, 'devicePath': ''})
            st['volumesAttached'] = lst


def set_running(pod):
    t = kubesim.iso(kubesim.now())
    st = pod.setdefault('status', {})
    st['phase'] = 'Running'
    st['startTime'] = st.get('startTime') or t
    st['conditions'] = [{'type': c, 'status': 'True', 'lastTransitionTime': t}
                        for c in ('Initialized', 'Ready', 'ContainersReady', 'PodScheduled')]
    st['containerStatuses'] = [{'name': c['name'], 'image': c.get('image', ''), 'ready': True, 'restartCount': 0,
                                'started': True, 'state': {'running': {'startedAt': t}}}
                               for c in pod.get('spec', {}).get('containers', [])]


def handle(state, pod, me, mine, check_attach):
    results, ok = [], True
    ns, name = pod['metadata'].get('namespace', 'default'), pod['metadata']['name']
    for pv, driver, pool, image in pod_volumes(state, pod):
        pvname = pv['metadata']['name']
        res = {'pod': f'{ns}/{name}', 'pv': pvname, 'image': f'{pool}/{image}', 'device': None}
        if check_attach:
            foreign = foreign_watchers(pool, image, mine)
            if foreign:
                kubesim.record_event(state, dict(pod, kind='Pod'), 'Warning', 'FailedAttachVolume',
                                     f'Multi-Attach error for volume "{pvname}" Volume is already exclusively attached '
                                     'to one node and can\'t be attached to another', 'attachdetach-controller')
                results.append(dict(res, result='multi-attach', detail=' '.join(foreign)))
                ok = False
                continue
            set_attached(state, pv, driver, pool, image, me)
            kubesim.record_event(state, dict(pod, kind='Pod'), 'Normal', 'SuccessfulAttachVolume',
                                 f'AttachVolume.Attach succeeded for volume "{pvname}"', 'attachdetach-controller')
        result, dev, detail = mount_volume(driver, pool, image, pvname, pod['metadata']['uid'])
        if result != 'mounted':
            ok = False
            if check_attach:
                kubesim.record_event(state, dict(pod, kind='Pod'), 'Warning', 'FailedMount',
                                     f'MountVolume.MountDevice failed for volume "{pvname}" : {detail}', 'kubelet', me)
        results.append(dict(res, result=result, device=dev, detail=detail))
    if ok and check_attach:
        set_running(pod)
        for c in pod.get('spec', {}).get('containers', []):
            for reason, msg in (('Pulled', f'Container image "{c.get("image", "")}" already present on machine'),
                                ('Created', f'Created container {c["name"]}'), ('Started', f'Started container {c["name"]}')):
                kubesim.record_event(state, dict(pod, kind='Pod'), 'Normal', reason, msg, 'kubelet', me)
        for r in results:
            r['result'] = 'running'
    return results


def main(a):
    ident = kubesim.node_identity()
    me, mine = ident['name'], set(ident.get('addresses', []))
    if a == ['reconcile']:
        out = []
        with kubesim.Locked() as state:
            for pod in state.get('pods', []):
                if pod.get('spec', {}).get('nodeName') == me and pod.get('status', {}).get('phase') == 'Pending':
                    out.extend(handle(state, pod, me, mine, True))
    elif len(a) == 2 and a[0] == 'mount':
        ns, name = a[1].split('/', 1) if '/' in a[1] else ('default', a[1])
        state = kubesim.load()
        pod = kubesim.find(state, 'pods', name, ns)
        if pod is None:
            sys.exit(f'kubelet-sim: pod {a[1]} not found')
        out = handle(state, pod, me, mine, False)
    else:
        sys.stderr.write(__doc__)
        return 64
    for r in out:
        print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
