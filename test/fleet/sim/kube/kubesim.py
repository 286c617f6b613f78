"""Shared state of the Kubernetes stand-ins (kubectl, kubectl-sim, kubelet-sim).

There is no API server in the test fleet. The "cluster" is one JSON document of real-shaped
Kubernetes objects, written by test/fleet/scenario.ts into a host directory that every scenario
node mounts at /var/lib/fleetsweep-sim/kube/ (state.json). Readers take it as is; writers hold an
exclusive flock on state.lock and replace the file atomically.
"""
import datetime
import fcntl
import json
import os
import secrets

STATE_DIR = os.environ.get('FLEETSWEEP_KUBE_STATE', '/var/lib/fleetsweep-sim/kube')
STATE = os.path.join(STATE_DIR, 'state.json')
NODE_FILE = '/etc/fleetsweep-sim/node.json'

# kind key in state.json -> (kind, apiVersion, namespaced, names kubectl accepts)
RESOURCES = {
    'nodes': ('Node', 'v1', False, ['node', 'nodes', 'no']),
    'pods': ('Pod', 'v1', True, ['pod', 'pods', 'po']),
    'persistentvolumes': ('PersistentVolume', 'v1', False, ['pv', 'pvs', 'persistentvolume', 'persistentvolumes']),
    'persistentvolumeclaims': ('PersistentVolumeClaim', 'v1', True, ['pvc', 'pvcs', 'persistentvolumeclaim', 'persistentvolumeclaims']),
    'events': ('Event', 'v1', True, ['ev', 'event', 'events']),
    'volumeattachments': ('VolumeAttachment', 'storage.k8s.io/v1', False, ['volumeattachment', 'volumeattachments']),
}


def resource_key(name):
    n = name.lower().split('.', 1)[0]
    for key, (_, _, _, names) in RESOURCES.items():
        if n in names:
            return key
    return None


def load():
    with open(STATE) as f:
        return json.load(f)


class Locked:
    """with Locked() as state: ... -- read-modify-write under the lock, saved on success."""

    def __enter__(self):
        self.fd = os.open(os.path.join(STATE_DIR, 'state.lock'), os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.state = load()
        return self.state

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                save(self.state)
        finally:
            os.close(self.fd)


def save(state):
    tmp = STATE + '.tmp.%d' % os.getpid()
    with open(tmp, 'w') as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(tmp, STATE)


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_time(s):
    if not s:
        return None
    return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration"""
    s = int(seconds)
    if s < -1:
        return '<invalid>'
    if s < 0:
        return '0s'
    if s < 120:
        return '%ds' % s
    m = s // 60
    if m < 10:
        return '%dm' % m if s % 60 == 0 else '%dm%ds' % (m, s % 60)
    if m < 180:
        return '%dm' % m
    h = s // 3600
    if h < 8:
        return '%dh' % h if m % 60 == 0 else '%dh%dm' % (h, m % 60)
    if h < 48:
        return '%dh' % h
    if h < 24 * 8:
        return '%dd' % (h // 24) if h % 24 == 0 else '%dd%dh' % (h // 24, h % 24)
    if h < 24 * 365 * 2:
        return '%dd' % (h // 24)
    if h < 24 * 365 * 8:
        dy = (h // 24) % 365
        return '%dy' % (h // 24 // 365) if dy == 0 else '%dy%dd' % (h // 24 // 365, dy)
    return '%dy' % (h // 24 // 365)


def age(ts):
    t = parse_time(ts)
    return '<unknown>' if t is None else human_duration((now() - t).total_seconds())


def find(state, key, name, namespace=None):
    for o in state.get(key, []):
        md = o.get('metadata', {})
        if md.get('name') == name and (namespace is None or md.get('namespace') == namespace):
            return o
    return None


def record_event(state, obj, etype, reason, message, component, host=None):
    """Adds an event about obj, or bumps count/lastTimestamp of the same one (like the recorder)."""
    md = obj['metadata']
    t = iso(now())
    for e in state.setdefault('events', []):
        io = e.get('involvedObject', {})
        if (io.get('name'), io.get('namespace'), e.get('reason'), e.get('message')) == \
                (md.get('name'), md.get('namespace'), reason, message):
            e['count'] = int(e.get('count') or 1) + 1
            e['lastTimestamp'] = t
            return e
    e = {
        'apiVersion': 'v1', 'kind': 'Event',
        'metadata': {'name': '%s.%s' % (md['name'], secrets.token_hex(8)), 'namespace': md.get('namespace', 'default'),
                     'creationTimestamp': t, 'uid': str(uuid4())},
        'involvedObject': {'apiVersion': 'v1', 'kind': obj.get('kind', 'Pod'), 'name': md['name'],
                           'namespace': md.get('namespace'), 'uid': md.get('uid')},
        'reason': reason, 'message': message, 'type': etype,
        'source': dict({'component': component}, **({'host': host} if host else {})),
        'count': 1, 'firstTimestamp': t, 'lastTimestamp': t, 'reportingComponent': '', 'reportingInstance': '',
    }
    state['events'].append(e)
    return e


def uuid4():
    import uuid
    return uuid.uuid4()


def node_identity():
    """{"name": "node-b", "addresses": ["127.0.21.2"]} of the node this runs on."""
    with open(NODE_FILE) as f:
        return json.load(f)
