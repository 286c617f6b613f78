# What the stand-in CLIs print, from a state snapshot: `multipath -ll/-l` (libmultipath print.c
# layout), `multipathd show ... json` (JSON format 0.1, printf-style layout) and `dmsetup` outputs.
import json
import time

from .model import DM_MAJOR, dm_dev, fmt_size, live_paths, lookup_dev, queues


def log_prefix():
    """multipath logs to stderr with a time stamp: `Apr 04 16:13:40 | `."""
    return time.strftime('%b %d %H:%M:%S | ')


def _vend_prod(st, m):
    first = next((st['disks'][p['dev']] for p in live_paths(m) if p['dev'] in st['disks']), None)
    return (first['vendor'], first['product'], first['rev']) if first else ('##', '##', '##')


def _path_cols(st, p, short):
    if p['gone']:
        cols = ['#:#:#:#', '-', '#:#', p['dm']]
    else:
        cols = [p['hctl'], p['dev'], p['majmin'], p['dm']]
    disk = st['disks'].get(p['dev']) if not p['gone'] else None
    if short:
        return cols + ['undef', 'unknown']
    dev_st = 'offline' if disk and disk['state'] != 'running' else 'running'
    return cols + [p['checker'], dev_st]


def _widths(st, rows):
    """Columns are padded to the widest value over every path device multipath knows (its pathvec),
    not only the printed map: a wide H:C:T:L elsewhere widens every map's path lines."""
    others = [[d['hctl'], d['dev'], d['majmin'], 'undef', 'ready', 'running'] for d in st['disks'].values()]
    w = [0] * 6
    for r in rows + others:
        for i, c in enumerate(r):
            w[i] = max(w[i], len(c))
    return w


def multipath_ll(st, names, short=False, action=None):
    """Text of `multipath -ll` (short: `-l`) for the maps `names`; returns (stdout, stderr)."""
    out, err = [], []
    maps = [st['maps'][n] for n in names]
    all_rows = [_path_cols(st, p, short) for m in maps for g in m['groups'] for p in g['paths']]
    w = _widths(st, all_rows)
    for m in maps:
        for p in (p for g in m['groups'] for p in g['paths'] if p['gone']):
            err.append(f'{log_prefix()}{p["majmin"]}: cannot find block device')
        v, pr, _ = _vend_prod(st, m)
        head = m['name'] if m['name'] == m['wwid'] else f'{m["name"]} ({m["wwid"]})'
        out.append(f'{action + ": " if action else ""}{head} {dm_dev(m["dm"])} {v},{pr}')
        out.append(f"size={fmt_size(m['size'])} features='{m['features']}' hwhandler='{m['hwhandler']}' wp=rw")
        for gi, g in enumerate(m['groups']):
            last_g = gi == len(m['groups']) - 1
            prio = 0 if short else g['prio']
            out.append(f"{'`-+-' if last_g else '|-+-'} policy='{g['policy']}' prio={prio} status={g['status']}")
            for pi, p in enumerate(g['paths']):
                last_p = pi == len(g['paths']) - 1
                lead = ('  ' if last_g else '| ') + ('`- ' if last_p else '|- ')
                cols = _path_cols(st, p, short)
                out.append(lead + ' '.join(c.ljust(w[i]) if i < 5 else c for i, c in enumerate(cols)))
    return ''.join(x + '\n' for x in out), ''.join(x + '\n' for x in err)


def _q(v):
    return json.dumps(v)


def _lun_hex(p):
    """print.c snprint_path_lunhex: the LUN in SCSI (int_to_scsilun) byte order."""
    if p['gone']:
        return '0x' + 'f' * 16
    lun = int(p['hctl'].split(':')[3])
    v = (((lun & 0xffff) << 48) | ((lun & 0xffff0000) << 16) | ((lun & 0xffff00000000) >> 16)
         | ((lun & 0xffff000000000000) >> 48))
    return f'0x{v:016x}'


def _json_map(st, m, ind):
    v, pr, rev = _vend_prod(st, m)
    paths = live_paths(m)
    active = sum(1 for p in paths if p['dm'] == 'active')
    queueing = m.get('queueing') or ('on' if queues(m) else 'off')
    i1, i2, i3 = ' ' * (ind + 3), ' ' * (ind + 6), ' ' * (ind + 9)
    fields = [('name', _q(m['name'])), ('uuid', _q(m['wwid'])), ('sysfs', _q(dm_dev(m['dm']))),
              ('failback', _q(m['failback'])), ('queueing', _q(queueing)), ('paths', str(active)),
              ('write_prot', _q('rw')), ('dm_st', _q('active')), ('features', _q(m['features'])),
              ('hwhandler', _q(m['hwhandler'])), ('action', _q('')), ('path_faults', str(m['pathFaults'])),
              ('vend', _q(v if v == '##' else v.ljust(8))), ('prod', _q(pr if pr == '##' else pr.ljust(16))),
              ('rev', _q(rev if rev == '##' else rev.ljust(4))), ('switch_grp', '0'), ('map_loads', '1'),
              ('total_q_time', '0'), ('q_timeouts', '0')]
    s = '{\n' + ''.join(f'{i1}"{k}" : {val},\n' for k, val in fields)
    groups = []
    for gi, g in enumerate(m['groups']):
        ps = []
        for p in g['paths']:
            disk = st['disks'].get(p['dev']) if not p['gone'] else None
            pf = [('dev', _q('-' if p['gone'] else p['dev'])), ('dev_t', _q('#:#' if p['gone'] else p['majmin'])),
                  ('dm_st', _q(p['dm'])), ('dev_st', _q('offline' if disk and disk['state'] != 'running' else 'running')),
                  ('chk_st', _q(p['checker'])), ('checker', _q('tur')), ('pri', str(g['prio'])),
                  ('host_wwnn', _q('[undef]')), ('target_wwnn', _q('[undef]')), ('host_wwpn', _q('[undef]')),
                  ('target_wwpn', _q('[undef]')), ('host_adapter', _q('[undef]')), ('lun_hex', _q(_lun_hex(p))),
                  ('marginal_st', _q('normal'))]
            ps.append('{\n' + ',\n'.join(f'{i3}"{k}" : {val}' for k, val in pf) + '\n' + i2)
        gf = [('selector', _q(g['policy'])), ('pri', str(g['prio'])), ('dm_st', _q(g['status'])),
              ('marginal_st', _q('normal')), ('group', str(gi + 1))]
        groups.append('{\n' + ''.join(f'{i2}"{k}" : {val},\n' for k, val in gf) +
                      f'{i2}"paths": [' + '},'.join(ps) + ('}' if ps else '') + ']\n' + i1)
    s += f'{i1}"path_groups": [' + '},'.join(groups) + ('}' if groups else '') + ']\n' + ' ' * ind
    return s


def multipathd_json(st, names, single=False):
    head = '{\n   "major_version": 0,\n   "minor_version": 1,\n'
    if single:
        return head + '   "map":' + _json_map(st, st['maps'][names[0]], 3) + '}\n}\n'
    body = '},'.join(_json_map(st, st['maps'][n], 3) for n in names)
    return head + '   "maps": [' + body + ('}' if names else '') + ']\n}\n'


def multipathd_maps(st, names):
    rows = [('name', 'sysfs', 'uuid')] + [(n, dm_dev(st['maps'][n]['dm']), st['maps'][n]['wwid']) for n in names]
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return ''.join(f'{r[0].ljust(w[0])} {r[1].ljust(w[1])} {r[2]}\n' for r in rows)


def multipathd_paths(st):
    rows = [('hcil', 'dev', 'dev_t', 'pri', 'dm_st', 'chk_st', 'dev_st', 'next_check')]
    in_map = {}
    for m in st['maps'].values():
        for g in m['groups']:
            for p in g['paths']:
                if not p['gone']:
                    in_map[p['dev']] = (g['prio'], p['dm'], p['checker'])
    for d in sorted(st['disks'].values(), key=lambda d: d['dev']):
        prio, dm, chk = in_map.get(d['dev'], (-1, 'undef', 'undef'))
        rows.append((d['hctl'], d['dev'], d['majmin'], str(prio), dm, chk,
                     'running' if d['state'] == 'running' else 'offline', 'XX........ 1/20' if dm != 'undef' else 'orphan'))
    w = [max(len(r[i]) for r in rows) for i in range(8)]
    return ''.join(' '.join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() + '\n' for r in rows)


def dm_devices(st):
    """(name, dm number, uuid, kind, object) of every dm device, sorted by name."""
    out = [(m['name'], m['dm'], 'mpath-' + m['wwid'], 'multipath', m) for m in st['maps'].values()]
    out += [(d['name'], d['dm'], d['uuid'], 'linear', d) for d in st['dms'].values()]
    return sorted(out)


def dmsetup_info(dev, use):
    name, n, uuid = dev[0], dev[1], dev[2]
    s = (f'Name:              {name}\nState:             ACTIVE\nRead Ahead:        256\n'
         f'Tables present:    LIVE\nOpen count:        {use["open"]}\nEvent number:      0\n'
         f'Major, minor:      {DM_MAJOR}, {n}\nNumber of targets: 1\n')
    return s + (f'UUID: {uuid}\n' if uuid else '') + '\n'


def dmsetup_table(st, dev):
    name, n, uuid, kind, obj = dev
    sectors = obj['size'] // 512
    if kind == 'linear':
        src = obj['slaves'][0] if obj['slaves'] else None
        k, o = lookup_dev(st, src) if src else (None, None)
        majmin = o['majmin'] if k == 'disk' else f'{DM_MAJOR}:{o["dm"]}' if o else '0:0'
        return f'0 {sectors} linear {majmin} 0\n'
    groups = obj['groups']
    s = f'0 {sectors} multipath {obj["features"]} {obj["hwhandler"]} {len(groups)} 1'
    for g in groups:
        s += f' {g["policy"]} {len(g["paths"])} 1' + ''.join(f' {p["majmin"]} 1' for p in g['paths'])
    return s + '\n'
