# Scenario section (the `multipath:` spec, see ../README.md) -> simulator state, with the defaults a
# map's mode implies and the consistency checks (unique dm minors, H:C:T:L and dev_t).
import re

from .model import IO, MODES, SimError, dm_dev, find_dm, find_map, lookup_dev, parse_size, sd_index, sd_majmin


def _disk(d, defaults):
    dev = d.get('dev')
    sd_index(dev or '')
    hctl = d.get('hctl') or defaults.get('hctl')
    if not hctl or not re.fullmatch(r'\d+:\d+:\d+:\d+', hctl):
        raise SimError(f'disk {dev}: hctl must be H:C:T:L, got {hctl!r}')
    wwid = d.get('wwid') or defaults.get('wwid')
    if not wwid:
        raise SimError(f'disk {dev}: wwid is missing')
    io = d.get('io') or defaults.get('io') or 'ok'
    if io not in IO:
        raise SimError(f'disk {dev}: io must be one of {IO}')
    return {
        'dev': dev, 'hctl': hctl, 'wwid': wwid,
        'vendor': d.get('vendor', defaults.get('vendor', 'LIO-ORG')),
        'product': d.get('product', defaults.get('product', 'disk')),
        'rev': d.get('rev', defaults.get('rev', '4.0')),
        'size': parse_size(d.get('size', defaults.get('size', '1G'))),
        'majmin': d.get('majmin') or sd_majmin(dev),
        'state': d.get('state', 'running'), 'io': io,
    }


def _presented(p):
    """A LUN the array presents: a disk whose kernel name (and dev_t) is chosen at scan time unless given."""
    if p.get('dev'):
        return _disk(p, {})
    d = _disk({**p, 'dev': 'sda'}, {})
    d['dev'], d['majmin'] = None, p.get('majmin')
    return d


def _mode_defaults(mode):
    if mode == 'healthy':
        return {'dm': 'active', 'checker': 'ready', 'io': 'ok', 'features': '0', 'prio': 50}
    if mode == 'dead':
        return {'dm': 'failed', 'checker': 'faulty', 'io': 'eio', 'features': '0', 'prio': -1}
    return {'dm': 'failed', 'checker': 'faulty', 'io': 'eio', 'features': '1 queue_if_no_path', 'prio': -1}


def normalize(spec):
    """Scenario section (see README.md) -> full state. Raises SimError on any inconsistency."""
    spec = spec or {}
    st = {
        'version': 1,
        'deletedPaths': spec.get('deletedPaths', 'vanish'),
        'autoMap': bool(spec.get('autoMap', True)),
        'disks': {}, 'maps': {}, 'dms': {}, 'hosts': {}, 'bindings': {}, 'presented': [],
        'mounts': list(spec.get('mounts', [])), 'openers': list(spec.get('openers', [])),
    }
    if st['deletedPaths'] not in ('vanish', 'orphan'):
        raise SimError('deletedPaths must be vanish or orphan')
    for d in spec.get('disks', []):
        st['disks'][d.get('dev')] = _disk(d, {})
    for m in spec.get('maps', []):
        _add_map_spec(st, m)
    for d in spec.get('dms', []):
        name, n = d.get('name'), d.get('dm')
        if not name or not isinstance(n, int):
            raise SimError(f'dm device needs name and dm number: {d!r}')
        on = [_ref_to_dev(st, r) for r in d.get('slaves', [])]
        size = parse_size(d['size']) if 'size' in d else min([_size_of(st, x) for x in on] or [2**30])
        st['dms'][name] = {'name': name, 'dm': n, 'uuid': d.get('uuid', ''), 'slaves': on, 'size': size}
    used = {}
    for dev_name, dm in _all_dm_numbers(st):
        if dm in used:
            raise SimError(f'dm-{dm} is used by both {used[dm]} and {dev_name}')
        used[dm] = dev_name
    seen = {}
    for d in st['disks'].values():
        for key in ('hctl', 'majmin'):
            if (key, d[key]) in seen:
                raise SimError(f'{d["dev"]} and {seen[(key, d[key])]} share {key} {d[key]}')
            seen[(key, d[key])] = d['dev']
    for h in spec.get('hosts', []):
        st['hosts'][str(h.get('host') if isinstance(h, dict) else h)] = {
            'procName': (h.get('procName') if isinstance(h, dict) else None) or 'iscsi_tcp'}
    presented = spec.get('presented')
    if presented is None:
        st['presented'] = [dict(d) for d in st['disks'].values()]
    else:
        st['presented'] = [_presented(p) for p in presented]
    for d in list(st['disks'].values()) + st['presented']:
        st['hosts'].setdefault(d['hctl'].split(':')[0], {'procName': 'iscsi_tcp'})
    return st


def _add_map_spec(st, m):
    name, wwid, dm = m.get('name'), m.get('wwid'), m.get('dm')
    if not name or not wwid or not isinstance(dm, int):
        raise SimError(f'map needs name, wwid and dm number: {m!r}')
    mode = m.get('mode', 'healthy')
    if mode not in MODES:
        raise SimError(f'map {name}: mode must be one of {MODES}')
    md = _mode_defaults(mode)
    shared = {'wwid': wwid, 'io': md['io'], 'size': m.get('size', '1G')}
    for k in ('vendor', 'product', 'rev'):
        if k in m:
            shared[k] = m[k]
    groups = m.get('groups') or [{'paths': m.get('paths', [])}]
    out = []
    for gi, g in enumerate(groups):
        paths = []
        for p in g.get('paths', []):
            p = {'dev': p} if isinstance(p, str) else dict(p)
            dev = p.get('dev')
            if dev not in st['disks']:
                st['disks'][dev] = _disk({k: v for k, v in p.items() if k in ('dev', 'hctl', 'majmin', 'io', 'state')}, shared)
            disk = st['disks'][dev]
            if disk['wwid'] != wwid:
                raise SimError(f'map {name}: path {dev} has wwid {disk["wwid"]}, the map {wwid}')
            paths.append({'dev': dev, 'majmin': disk['majmin'], 'hctl': disk['hctl'],
                          'dm': p.get('dm', md['dm']), 'checker': p.get('checker', md['checker']), 'gone': False})
        out.append({'policy': g.get('policy', 'service-time 0'), 'prio': g.get('prio', md['prio']),
                    'status': g.get('status', 'active' if gi == 0 else 'enabled'), 'paths': paths})
    size = parse_size(m['size']) if 'size' in m else (
        st['disks'][out[0]['paths'][0]['dev']]['size'] if out and out[0]['paths'] else 2**30)
    features = m.get('features', md['features'])
    st['maps'][name] = {
        'name': name, 'wwid': wwid, 'dm': dm, 'features': features, 'hwhandler': m.get('hwhandler', '0'),
        'size': size, 'groups': out, 'failback': m.get('failback', 'immediate'),
        'queueing': m.get('queueing'), 'pathFaults': m.get('pathFaults', sum(
            1 for g in out for p in g['paths'] if p['dm'] == 'failed')),
    }
    st['bindings'][wwid] = {'name': name, 'features': features, 'hwhandler': m.get('hwhandler', '0'),
                            'policy': out[0]['policy'] if out else 'service-time 0',
                            'prio': out[0]['prio'] if out else -1}


def _ref_to_dev(st, ref):
    m = find_map(st, ref)
    if m:
        return dm_dev(m['dm'])
    d = find_dm(st, ref)
    if d:
        return dm_dev(d['dm'])
    if ref in st['disks'] or re.fullmatch(r'dm-\d+', ref):
        return ref
    raise SimError(f'unknown device {ref!r}')


def _size_of(st, dev):
    kind, obj = lookup_dev(st, dev)
    return obj['size'] if obj else 0


def _all_dm_numbers(st):
    return [(m['name'], m['dm']) for m in st['maps'].values()] + [(d['name'], d['dm']) for d in st['dms'].values()]
