# Simulator state helpers shared by every part: sizes and device numbers as the kernel gives them,
# lookups of disks/maps/dm devices, holders and slaves, and what I/O on a device does now.
import copy
import re

UNITS = {'K': 2**10, 'M': 2**20, 'G': 2**30, 'T': 2**40, 'P': 2**50}
SD_MAJORS = [8, 65, 66, 67, 68, 69, 70, 71, 128, 129, 130, 131, 132, 133, 134, 135]
DM_MAJOR = 253
MODES = ('healthy', 'dead', 'queueing')
IO = ('ok', 'eio', 'hang')


class SimError(Exception):
    """A request the simulated kernel/tool refuses; `code` is the errno or exit code to report."""

    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def parse_size(v):
    if isinstance(v, int):
        return v
    m = re.fullmatch(r'\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)i?B?\s*', str(v))
    if not m:
        raise SimError(f'bad size {v!r} (want e.g. 100G or bytes)')
    return int(float(m.group(1)) * UNITS.get(m.group(2), 1))


def fmt_size(nbytes):
    """libmultipath print.c snprint_size: 1024-based, one decimal below 10."""
    s, units = (nbytes >> 10) * 1.0, 'KMGTP'
    u = 0
    while s >= 1024 and u < len(units) - 1:
        s, u = s / 1024, u + 1
    return f'{s:.1f}{units[u]}' if s < 10 else f'{s:.0f}{units[u]}'


def sd_index(dev):
    m = re.fullmatch(r'sd([a-z]{1,4})', dev)
    if not m:
        raise SimError(f'bad SCSI disk name {dev!r} (want sd[a-z]+)')
    n = 0
    for ch in m.group(1):
        n = n * 26 + (ord(ch) - 96)
    return n - 1


def sd_name(index):
    s, n = '', index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(97 + r) + s
    return 'sd' + s


def sd_majmin(dev):
    i = sd_index(dev)
    return f'{SD_MAJORS[(i // 16) % len(SD_MAJORS)]}:{(i % 16) * 16}'


def dm_dev(n):
    return f'dm-{n}'


def features_without_queueing(features):
    words = features.split()[1:]
    words = [w for w in words if w != 'queue_if_no_path']
    return ' '.join([str(len(words))] + words)


def features_with_queueing(features):
    words = features.split()[1:]
    if 'queue_if_no_path' not in words:
        words = ['queue_if_no_path'] + words
    return ' '.join([str(len(words))] + words)


def queues(m):
    return 'queue_if_no_path' in m['features'].split()[1:]


# ---- lookups ----

def lookup_dev(st, dev):
    """Kernel name (sdi, dm-12) -> ('disk'|'map'|'dm', object) or (None, None)."""
    if dev in st['disks']:
        return 'disk', st['disks'][dev]
    for m in st['maps'].values():
        if dm_dev(m['dm']) == dev:
            return 'map', m
    for d in st['dms'].values():
        if dm_dev(d['dm']) == dev:
            return 'dm', d
    return None, None


def find_map(st, ref):
    """A map by name, WWID, dm-N, /dev/dm-N, /dev/mapper/NAME or a dm-* by-id link."""
    ref = str(ref)
    for prefix in ('/dev/mapper/', '/dev/disk/by-id/dm-name-', '/dev/disk/by-id/dm-uuid-mpath-', '/dev/'):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            break
    for m in st['maps'].values():
        if ref in (m['name'], m['wwid'], dm_dev(m['dm'])):
            return m
    return None


def find_dm(st, ref):
    ref = str(ref).removeprefix('/dev/mapper/').removeprefix('/dev/')
    for d in st['dms'].values():
        if ref in (d['name'], dm_dev(d['dm'])):
            return d
    return None


def live_paths(m):
    return [p for g in m['groups'] for p in g['paths'] if not p['gone']]


def holders(st, dev):
    """Kernel names of the devices stacked directly on `dev` (its /sys/block/X/holders)."""
    out = [dm_dev(m['dm']) for m in st['maps'].values() if any(p['dev'] == dev for p in live_paths(m))]
    out += [dm_dev(d['dm']) for d in st['dms'].values() if dev in d['slaves']]
    return sorted(set(out))


def slaves(st, dev):
    kind, obj = lookup_dev(st, dev)
    if kind == 'map':
        return sorted({p['dev'] for p in live_paths(obj) if p['dev'] in st['disks']})
    if kind == 'dm':
        return sorted(x for x in obj['slaves'] if lookup_dev(st, x)[0])
    return []


def io_of(st, dev, depth=0):
    """What a read of /dev/<dev> does now: ok | eio | hang."""
    kind, obj = lookup_dev(st, dev)
    if kind is None or depth > 8:
        return 'eio'
    if kind == 'disk':
        return 'eio' if obj['state'] == 'offline' else obj['io']
    if kind == 'dm':
        ios = [io_of(st, x, depth + 1) for x in obj['slaves']] or ['ok']
        return 'eio' if 'eio' in ios else 'hang' if 'hang' in ios else 'ok'
    active = [io_of(st, p['dev'], depth + 1) for p in live_paths(obj) if p['dm'] == 'active' and p['dev'] in st['disks']]
    if 'ok' in active:
        return 'ok'
    if 'hang' in active or queues(obj):
        return 'hang'
    return 'eio'


def use_of(st, dev, handles, mounts):
    """Open count as the kernel would count it: open files + mounts + holders. `mounts` is a list of
    (source kernel name, target)."""
    targets = [t for (d, t) in mounts if d == dev]
    hs = holders(st, dev)
    return {'open': handles.get(dev, 0) + len(targets) + len(hs), 'handles': handles.get(dev, 0),
            'mounts': targets, 'holders': hs}


def source_dev(st, source):
    """A mount source (/dev/mapper/X, /dev/dm-N, /dev/sdX, by-id link) -> kernel name, or None."""
    if not source.startswith('/dev/'):
        return None
    name = source.rsplit('/', 1)[-1]
    if source.startswith('/dev/disk/by-id/') and not name.startswith('dm-'):
        wwid = re.sub(r'^(scsi-|wwn-0x)', '', name)
        disks = sorted(d['dev'] for d in st['disks'].values() if d['wwid'].lstrip('3') == wwid.lstrip('3'))
        return disks[0] if disks else None
    m = find_map(st, source)
    if m:
        return dm_dev(m['dm'])
    d = find_dm(st, source)
    if d:
        return dm_dev(d['dm'])
    return name if name in st['disks'] else None


def copy_state(st):
    return copy.deepcopy(st)
