# The file tree the FUSE daemon serves for a state snapshot: sysfs-like block/, scsi_host/ and
# devblock/ (bind-mounted on /sys/block, /sys/class/{block,scsi_host}, /sys/dev/block), device files
# dev/ (behind the /dev/sdX and /dev/dm-N symlinks), and udev-like by-id/ and mapper/ links.
from .model import DM_MAJOR, dm_dev, holders, sd_index, slaves

# node kinds: ('d', names) dir; ('f', text, mode, writer) attribute; ('l', target) symlink;
# ('b', kernel name, size) device file. writer: None | ('delete'|'rescan'|'state', dev) | ('scan', host)
ROOT_DIRS = ['block', 'scsi_host', 'dev', 'by-id', 'mapper', 'devblock']


def _attr(text, mode=0o444, writer=None):
    return ('f', text if text.endswith('\n') or text == '' else text + '\n', mode, writer)


def _sysfs_wwid(wwid):
    return {'3': 'naa.', '2': 'eui.', '8': 'naa.'}.get(wwid[:1], '') + (wwid[1:] if wwid[:1] in '238' else wwid)


def _block_common(t, st, dev, majmin, size):
    base = f'/block/{dev}'
    mj, mn = majmin.split(':')
    t[f'{base}/dev'] = _attr(majmin)
    t[f'{base}/size'] = _attr(str(size // 512))
    t[f'{base}/ro'] = _attr('0')
    t[f'{base}/removable'] = _attr('0')
    t[f'{base}/uevent'] = _attr(f'MAJOR={mj}\nMINOR={mn}\nDEVNAME={dev}\nDEVTYPE=disk')
    hs, ss = holders(st, dev), slaves(st, dev)
    t[f'{base}/holders'] = ('d', hs)
    t[f'{base}/slaves'] = ('d', ss)
    for h in hs:
        t[f'{base}/holders/{h}'] = ('l', f'../../{h}')
    for s in ss:
        t[f'{base}/slaves/{s}'] = ('l', f'../../{s}')
    t[f'/dev/{dev}'] = ('b', dev, size)
    t[f'/devblock/{majmin}'] = ('l', f'../../block/{dev}')
    return ['dev', 'size', 'ro', 'removable', 'uevent', 'holders', 'slaves']


def build(st):
    t = {'/': ('d', ROOT_DIRS)}
    blocks, devs, devblock, by_id, mapper, hosts = [], [], [], {}, ['control'], []
    t['/mapper/control'] = _attr('', 0o600)
    disks = sorted(st['disks'].values(), key=lambda d: sd_index(d['dev']))
    for d in disks:
        dev = d['dev']
        names = _block_common(t, st, dev, d['majmin'], d['size']) + ['device']
        t[f'/block/{dev}'] = ('d', names)
        base = f'/block/{dev}/device'
        t[f'{base}/delete'] = _attr('', 0o200, ('delete', dev))
        t[f'{base}/rescan'] = _attr('', 0o200, ('rescan', dev))
        t[f'{base}/state'] = _attr(d['state'], 0o644, ('state', dev))
        t[f'{base}/vendor'] = _attr(d['vendor'].ljust(8))
        t[f'{base}/model'] = _attr(d['product'].ljust(16))
        t[f'{base}/rev'] = _attr(d['rev'].ljust(4))
        t[f'{base}/wwid'] = _attr(_sysfs_wwid(d['wwid']))
        t[f'{base}/type'] = _attr('0')
        t[f'{base}/timeout'] = _attr('30')
        t[f'{base}/hctl'] = _attr(d['hctl'])
        t[base] = ('d', ['delete', 'rescan', 'state', 'vendor', 'model', 'rev', 'wwid', 'type', 'timeout', 'hctl'])
        blocks.append(dev)
        devs.append(dev)
        devblock.append(d['majmin'])
        by_id.setdefault(f'scsi-{d["wwid"]}', f'../../{dev}')
        if d['wwid'][:1] in '3':
            by_id.setdefault(f'wwn-0x{d["wwid"][1:]}', f'../../{dev}')
    dms = [(m['dm'], m['name'], 'mpath-' + m['wwid'], m['size']) for m in st['maps'].values()]
    dms += [(d['dm'], d['name'], d['uuid'], d['size']) for d in st['dms'].values()]
    for n, name, uuid, size in sorted(dms):
        dev = dm_dev(n)
        names = _block_common(t, st, dev, f'{DM_MAJOR}:{n}', size) + ['dm']
        t[f'/block/{dev}'] = ('d', names)
        t[f'/block/{dev}/dm'] = ('d', ['name', 'uuid', 'suspended', 'use_blk_mq'])
        t[f'/block/{dev}/dm/name'] = _attr(name)
        t[f'/block/{dev}/dm/uuid'] = _attr(uuid)
        t[f'/block/{dev}/dm/suspended'] = _attr('0')
        t[f'/block/{dev}/dm/use_blk_mq'] = _attr('1')
        blocks.append(dev)
        devs.append(dev)
        devblock.append(f'{DM_MAJOR}:{n}')
        by_id[f'dm-name-{name}'] = f'../../{dev}'
        if uuid:
            by_id[f'dm-uuid-{uuid}'] = f'../../{dev}'
        mapper.append(name)
        t[f'/mapper/{name}'] = ('l', f'../{dev}')
    for h, info in sorted(st['hosts'].items(), key=lambda kv: int(kv[0])):
        base = f'/scsi_host/host{h}'
        t[base] = ('d', ['scan', 'proc_name', 'state'])
        t[f'{base}/scan'] = _attr('', 0o200, ('scan', h))
        t[f'{base}/proc_name'] = _attr(info.get('procName', 'iscsi_tcp'))
        t[f'{base}/state'] = _attr('running')
        hosts.append(f'host{h}')
    for k, v in by_id.items():
        t[f'/by-id/{k}'] = ('l', v)
    t['/block'] = ('d', blocks)
    t['/dev'] = ('d', devs)
    t['/devblock'] = ('d', devblock)
    t['/by-id'] = ('d', sorted(by_id))
    t['/mapper'] = ('d', mapper)
    t['/scsi_host'] = ('d', hosts)
    return t
