# Changes to the simulated state, each mirroring what the kernel or multipath-tools does: SCSI device
# delete and host scan, map flush/create/reload, queueing on/off. Each takes and mutates a state copy.
import re

from .model import (SimError, dm_dev, features_with_queueing, features_without_queueing, find_dm, find_map,
                    live_paths, sd_index, sd_majmin, sd_name)


def delete_disk(st, dev):
    """echo 1 > /sys/block/DEV/device/delete. The kernel does not care who holds the disk: a path
    in use by a map is gone all the same (multipathd then drops it from the map, or, with an old
    multipath-tools (deletedPaths: orphan), the map keeps an orphan `#:#:#:# - #:#` path)."""
    if dev not in st['disks']:
        raise SimError(f'no such disk {dev}', 2)
    del st['disks'][dev]
    for m in st['maps'].values():
        for g in m['groups']:
            for p in g['paths']:
                if p['dev'] == dev and not p['gone']:
                    p['gone'] = True
                    if p['dm'] == 'active':
                        m['pathFaults'] += 1
                    p['dm'] = 'failed'
                    p['checker'] = 'faulty'
            if st['deletedPaths'] == 'vanish':
                g['paths'] = [p for p in g['paths'] if not p['gone']]
        if st['deletedPaths'] == 'vanish':
            m['groups'] = [g for g in m['groups'] if g['paths']]
    for d in st['dms'].values():
        d['slaves'] = [x for x in d['slaves'] if x != dev]


def _scan_field(word, name):
    if word == '-':
        return None
    if not re.fullmatch(r'\d+', word):
        raise SimError(f'bad {name} {word!r}', 22)
    return int(word)


def scan_host(st, host, text):
    """echo 'C T L' > /sys/class/scsi_host/hostH/scan ('-' = any): adds the LUNs the array presents
    on that host that are not attached yet. Returns the new disks' names."""
    words = text.split()
    if len(words) < 3:
        raise SimError('scan needs "C T L"', 22)
    want = [_scan_field(w, n) for w, n in zip(words[:3], ('channel', 'target', 'lun'))]
    added = []
    for p in st['presented']:
        h, c, t, l = (int(x) for x in p['hctl'].split(':'))
        if str(h) != str(host) or any(w is not None and w != v for w, v in zip(want, (c, t, l))):
            continue
        if any(d['hctl'] == p['hctl'] for d in st['disks'].values()):
            continue
        disk = dict(p)
        disk['dev'] = p['dev'] if p['dev'] and p['dev'] not in st['disks'] else _free_sd(st)
        taken = {d['majmin'] for d in st['disks'].values()}
        disk['majmin'] = p['majmin'] if p.get('majmin') and p['majmin'] not in taken else sd_majmin(disk['dev'])
        st['disks'][disk['dev']] = disk
        added.append(disk['dev'])
        _attach(st, disk)
    return added


def _free_sd(st):
    used = {sd_index(d) for d in st['disks']}
    i = 0
    while i in used:
        i += 1
    return sd_name(i)


def _free_dm(st):
    used = {m['dm'] for m in st['maps'].values()} | {d['dm'] for d in st['dms'].values()}
    n = 0
    while n in used:
        n += 1
    return n


def _path_for(disk):
    ok = disk['io'] == 'ok' and disk['state'] == 'running'
    return {'dev': disk['dev'], 'majmin': disk['majmin'], 'hctl': disk['hctl'],
            'dm': 'active' if ok else 'failed', 'checker': 'ready' if ok else 'faulty', 'gone': False}


def _attach(st, disk):
    """multipathd's uevent handling of a new path: join the map of its WWID, or create that map."""
    m = next((m for m in st['maps'].values() if m['wwid'] == disk['wwid']), None)
    if m is None:
        if st['autoMap'] and disk['wwid'] in st['bindings']:
            create_map(st, disk['wwid'])
        return
    for g in m['groups']:
        for i, p in enumerate(g['paths']):
            if p['gone'] and p['hctl'] == disk['hctl']:
                g['paths'][i] = _path_for(disk)
                return
    if not m['groups']:
        b = st['bindings'].get(m['wwid'], {})
        m['groups'].append({'policy': b.get('policy', 'service-time 0'), 'prio': b.get('prio', -1),
                            'status': 'active', 'paths': []})
    m['groups'][0]['paths'].append(_path_for(disk))


def create_map(st, wwid):
    """A new map for the disks of `wwid`: the alias from the bindings file, the lowest free dm minor
    (so a re-created map rarely gets its old dm-N back)."""
    disks = sorted((d for d in st['disks'].values() if d['wwid'] == wwid), key=lambda d: sd_index(d['dev']))
    if not disks:
        return None
    b = st['bindings'].get(wwid) or {'name': _free_alias(st), 'features': '0', 'hwhandler': '0',
                                     'policy': 'service-time 0', 'prio': -1}
    st['bindings'][wwid] = b
    if b['name'] in st['maps']:
        raise SimError(f'{b["name"]}: alias already in use', 1)
    paths = [_path_for(d) for d in disks]
    m = {'name': b['name'], 'wwid': wwid, 'dm': _free_dm(st), 'features': b['features'], 'hwhandler': b['hwhandler'],
         'size': disks[0]['size'], 'failback': 'immediate', 'queueing': None,
         'pathFaults': 0, 'groups': [{'policy': b['policy'], 'prio': b['prio'] if any(
             p['dm'] == 'active' for p in paths) else -1, 'status': 'active', 'paths': paths}]}
    st['maps'][m['name']] = m
    return m


def _free_alias(st):
    names = set(st['maps']) | {b['name'] for b in st['bindings'].values()}
    i = 0
    while True:
        s, n = '', i + 1
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(97 + r) + s
        if 'mpath' + s not in names:
            return 'mpath' + s
        i += 1


def reload_maps(st):
    """multipath -r: reload every map from the paths that exist (orphans are dropped, new paths of
    its WWID join), and create the maps of known WWIDs that have paths but no map.
    Returns (created, reloaded) map names."""
    reloaded, created = [], []
    for m in st['maps'].values():
        before = [(p['dev'], p['gone']) for g in m['groups'] for p in g['paths']]
        for g in m['groups']:
            g['paths'] = [p for p in g['paths'] if not p['gone']]
        m['groups'] = [g for g in m['groups'] if g['paths']]
        have = {p['dev'] for p in live_paths(m)}
        for d in sorted(st['disks'].values(), key=lambda d: sd_index(d['dev'])):
            if d['wwid'] == m['wwid'] and d['dev'] not in have:
                _attach(st, d)
        if before != [(p['dev'], p['gone']) for g in m['groups'] for p in g['paths']]:
            reloaded.append(m['name'])
    # in path discovery order (sda, sdb, ...): the first map created gets the lowest free dm minor
    mapped = {m['wwid'] for m in st['maps'].values()}
    order = [d['wwid'] for d in sorted(st['disks'].values(), key=lambda d: sd_index(d['dev']))]
    for wwid in sorted(set(order) - mapped, key=order.index):
        if wwid in st['bindings']:
            m = create_map(st, wwid)
            if m:
                created.append(m['name'])
    return created, reloaded


def flush_map(st, ref, use):
    """multipath -f / multipathd del map: refused while the map is open, mounted or held
    (`use` = use_of() of its dm device). The SCSI paths stay: deleting them is a separate step."""
    m = find_map(st, ref)
    if m is None:
        raise SimError(f'{ref} is not a multipath device', 1)
    if use['open'] > 0:
        raise SimError(f'{m["name"]}: map in use', 1)
    del st['maps'][m['name']]
    return m['name']


def remove_dm(st, ref, use):
    """dmsetup remove: any dm device (maps too, which the maintainers advise against)."""
    obj = find_map(st, ref) or find_dm(st, ref)
    if obj is None:
        raise SimError('Device does not exist.', 1)
    if use['open'] > 0:
        raise SimError(f'device-mapper: remove ioctl on {obj["name"]}  failed: Device or resource busy', 1)
    if obj['name'] in st['maps'] and st['maps'][obj['name']] is obj:
        del st['maps'][obj['name']]
    else:
        del st['dms'][obj['name']]
    return obj['name']


def set_queueing(st, ref, on):
    """multipathd disablequeueing/restorequeueing map M (ref None: every map). The kernel table
    loses/regains queue_if_no_path, so blocked readers of a pathless map now fail with EIO."""
    maps = list(st['maps'].values()) if ref is None else [find_map(st, ref)]
    if None in maps:
        raise SimError(f'{ref}: no such map', 1)
    for m in maps:
        b = st['bindings'].get(m['wwid'], {})
        if on:
            if 'queue_if_no_path' in b.get('features', '').split():
                m['features'] = features_with_queueing(m['features'])
                m['queueing'] = None
        else:
            m['features'] = features_without_queueing(m['features'])
            m['queueing'] = 'off'


def set_disk_state(st, dev, value):
    if value not in ('running', 'offline', 'blocked', 'transport-offline'):
        raise SimError(f'bad device state {value!r}', 22)
    st['disks'][dev]['state'] = value


__all__ = ['delete_disk', 'scan_host', 'create_map', 'reload_maps', 'flush_map', 'remove_dm', 'set_queueing',
           'set_disk_state', 'dm_dev']
