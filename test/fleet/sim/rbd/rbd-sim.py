#!/usr/bin/python3
"""rbd stand-in of the fleetsweep test fleet (/usr/local/bin/rbd, ahead of /usr/bin/rbd on PATH).

Emulates the kernel RBD client (krbd) of Ceph 16: `rbd map|unmap|showmapped` and the
`rbd device map|unmap|list` aliases. Every other subcommand (status, info, snap, lock, ...) is
exec'd as the real /usr/bin/rbd with the same arguments, so its output and exit code are real.

A mapping is one rbd-fuse process serving exactly that image (`-r IMAGE`) on
/var/lib/fleetsweep-sim/rbd/mnt/<id>/, opened at once so its watch is registered (the watch is
lazy: it starts at the first stat). /dev/rbd<id> is that FUSE file bind-mounted onto an empty
file, so dd, e2fsck, fsck, debugfs and fuse2fs work on /dev/rbdN and print that name. With the bind-source shim active (/etc/ld.so.preload
+ /etc/bindsrc.addr, or BIND_SRC_ADDR) the watcher shows the node's storage address in
`rbd status`. Mapping records live in /var/lib/fleetsweep-sim/rbd/devices/<id>.json.

What differs from krbd (on purpose, documented in test/README.md): /dev/rbdN is a regular file,
not a block device, and shows up in /proc/mounts as `rbd-fuse /dev/rbdN fuse.rbd-fuse`; there is no /sys/bus/rbd; snapshots cannot be mapped (rbd-fuse
serves image heads only).
"""
import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import time

REAL_RBD = '/usr/bin/rbd'
STATE = os.environ.get('FLEETSWEEP_RBD_STATE', '/var/lib/fleetsweep-sim/rbd')
DEVICES = os.path.join(STATE, 'devices')
MOUNTS = os.path.join(STATE, 'mnt')
SHIM = '/usr/local/lib/libbindsrc.so'
ADDR_FILE = '/etc/bindsrc.addr'
# first access opens the image (rbd_open + watch); a fenced client hangs there, so bound it
OPEN_TIMEOUT_S = 30

# options of the rbd CLI that take a value (so their value is not taken for the command)
VALUE_OPTS = {
    '-p', '--pool', '--namespace', '--image', '--snap', '-o', '--options', '-t', '--device-type',
    '--format', '--id', '--user', '-c', '--conf', '--cluster', '-k', '--keyring', '-n', '--name',
    '--keyfile', '-m', '--mon_host', '--mon-host', '--dest', '--dest-pool', '--path', '--size', '-s',
}


def err(msg):
    sys.stderr.write(msg + '\n')


def parse(argv):
    """Split argv into positionals and {option: value}; `--opt=value` and repeated flags allowed."""
    pos, opts, i = [], {}, 0
    while i < len(argv):
        a = argv[i]
        if a == '--':
            pos.extend(argv[i + 1:])
            break
        if a.startswith('--') and '=' in a:
            k, v = a.split('=', 1)
            opts[k] = v
        elif a in VALUE_OPTS:
            if i + 1 >= len(argv):
                err(f'rbd: the required argument for option \'{a.lstrip("-")}\' is missing')
                sys.exit(22)
            opts[a] = argv[i + 1]
            i += 1
        elif a.startswith('-') and len(a) > 1:
            opts[a] = True
        else:
            pos.append(a)
        i += 1
    return pos, opts


def opt(opts, *names, default=None):
    for n in names:
        if n in opts:
            return opts[n]
    return default


def real_rbd(argv):
    os.execve(REAL_RBD, ['rbd'] + argv, shim_env())


def shim_env():
    """Environment for librados clients: the node's storage address as their source address."""
    env = dict(os.environ)
    try:
        preloaded = SHIM in open('/etc/ld.so.preload').read()
    except OSError:
        preloaded = False
    if not preloaded and os.path.exists(SHIM) and (env.get('BIND_SRC_ADDR') or os.path.exists(ADDR_FILE)):
        env['LD_PRELOAD'] = (SHIM + ' ' + env.get('LD_PRELOAD', '')).strip()
    return env


def image_spec(pos, opts, need):
    """pool, namespace, image, snap from `[pool/[ns/]]image[@snap]` and -p/--namespace/--image/--snap."""
    spec = pos[0] if pos else opt(opts, '--image')
    if not spec:
        return None
    pool = opt(opts, '-p', '--pool')
    ns = opt(opts, '--namespace', default='')
    snap = opt(opts, '--snap')
    if '@' in spec:
        spec, snap = spec.split('@', 1)
    parts = spec.split('/')
    if len(parts) == 3:
        pool, ns, image = parts
    elif len(parts) == 2:
        pool, image = parts
    else:
        image = parts[0]
    return {'pool': pool or 'rbd', 'namespace': ns or '', 'image': image, 'snap': snap or '-'}


def spec_text(s):
    t = s['pool'] + '/' + (s['namespace'] + '/' if s['namespace'] else '') + s['image']
    return t + ('@' + s['snap'] if s['snap'] != '-' else '')


class Lock:
    def __enter__(self):
        os.makedirs(DEVICES, exist_ok=True)
        self.fd = os.open(os.path.join(STATE, '.lock'), os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def mappings():
    out = []
    try:
        names = os.listdir(DEVICES)
    except FileNotFoundError:
        return out
    for n in names:
        if n.endswith('.json'):
            try:
                with open(os.path.join(DEVICES, n)) as f:
                    out.append(json.load(f))
            except (OSError, ValueError):
                pass
    return sorted(out, key=lambda m: int(m['id']))


def find_pid(mnt):
    """pid of the rbd-fuse serving mnt (it daemonizes, so its pid is not the one we started)."""
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open(f'/proc/{p}/cmdline', 'rb') as f:
                args = f.read().split(b'\0')
        except OSError:
            continue
        if args and args[0].endswith(b'rbd-fuse') and mnt.encode() in args:
            return int(p)
    return None


def alive(pid):
    if not pid:
        return False
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(') ', 1)[1][0] != 'Z'
    except OSError:
        return False


def wait_gone(pid, seconds):
    end = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not alive(pid)


def cmd_map(pos, opts):
    s = image_spec(pos, opts, True)
    if s is None:
        err('rbd: image name was not specified')
        return 22
    dtype = opt(opts, '-t', '--device-type', default='krbd')
    if dtype != 'krbd':
        err(f'rbd: device type {dtype} is not simulated (fleetsweep rbd stand-in: krbd only)')
        return 95
    if s['snap'] != '-':
        err('rbd: mapping snapshots is not simulated (rbd-fuse serves image heads only)')
        return 95
    if not os.path.exists('/etc/ceph/ceph.conf'):
        # never start a librados client without mon_host: it would fall back to DNS SRV lookups
        err('rbd: sysfs write failed')
        err('rbd: map failed: (2) No such file or directory')
        return 2
    env = shim_env()
    conf = opt(opts, '-c', '--conf')
    info_args = [REAL_RBD, 'info', '--format', 'json', spec_text(s)] + (['-c', conf] if conf else [])
    try:
        # a fenced (blocklisted) node's librados calls block: bound it like the first open below
        info = subprocess.run(info_args, env=env, capture_output=True, text=True, timeout=OPEN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        err('rbd: sysfs write failed')
        err('rbd: map failed: (110) Connection timed out')
        return 110
    if info.returncode != 0:
        err('rbd: sysfs write failed')
        err('In some cases useful info is found in syslog - try "dmesg | tail".')
        rc = info.returncode if info.returncode < 128 else 5
        err(f'rbd: map failed: ({rc}) {os.strerror(rc)}')
        return rc
    with Lock():
        existing = mappings()
        for m in existing:
            if (m['pool'], m['namespace'], m['image'], m['snap']) == (s['pool'], s['namespace'], s['image'], s['snap']):
                err(f'rbd: warning: image already mapped as {m["device"]}')
                break
        # ids of mappings, plus ids whose /dev/rbdN is still the source of a mount (left by a
        # forced unmap): reusing one would make that mount look like a holder of the new device
        used = {int(m['id']) for m in existing} | mount_source_ids()
        want = os.environ.get('FLEETSWEEP_RBD_DEVICE_ID')
        if want is not None and int(want) not in used:
            dev_id = int(want)
        else:
            dev_id = next(i for i in range(len(used) + 2) if i not in used)
        mnt = os.path.join(MOUNTS, str(dev_id))
        os.makedirs(mnt, exist_ok=True)
        args = ['rbd-fuse', '-p', s['pool']] + (['-s', s['namespace']] if s['namespace'] else []) + \
               (['-c', conf] if conf else []) + ['-r', s['image'], mnt]
        r = subprocess.run(args, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            err('rbd: sysfs write failed')
            sys.stderr.write(r.stderr)
            err('rbd: map failed: (5) Input/output error')
            return 5
        path = os.path.join(mnt, s['image'])
        pid = find_pid(mnt)
        try:
            # first access: rbd_open + watch registration; a fenced node hangs here
            subprocess.run(['stat', '-c', '%s', path], capture_output=True, timeout=OPEN_TIMEOUT_S, check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as e:
            if pid:
                os.kill(pid, signal.SIGKILL)
            subprocess.run(['fusermount', '-uz', mnt], capture_output=True)
            err('rbd: sysfs write failed')
            if isinstance(e, subprocess.TimeoutExpired):
                err('rbd: map failed: (110) Connection timed out')
                return 110
            err('rbd: map failed: (2) No such file or directory')
            return 2
        device = f'/dev/rbd{dev_id}'
        # /dev/rbdN is the FUSE file bind-mounted onto an empty file: a real path (fsck, e2fsck
        # and /proc/PID/fd show /dev/rbdN; a symlink would be resolved to the FUSE path)
        if os.path.lexists(device):
            subprocess.run(['umount', '-l', device], capture_output=True)
            os.unlink(device)
        open(device, 'w').close()
        b = subprocess.run(['mount', '--bind', path, device], capture_output=True, text=True)
        if b.returncode != 0:
            os.unlink(device)
            if pid:
                os.kill(pid, signal.SIGTERM)
            err('rbd: sysfs write failed')
            sys.stderr.write(b.stderr)
            err('rbd: map failed: (5) Input/output error')
            return 5
        rec = dict(s, id=str(dev_id), device=device, file=path, mountpoint=mnt, pid=pid,
                   options=opt(opts, '-o', '--options', default=''), mapped_at=time.time())
        tmp = os.path.join(DEVICES, f'.{dev_id}.tmp')
        with open(tmp, 'w') as f:
            json.dump(rec, f)
        os.replace(tmp, os.path.join(DEVICES, f'{dev_id}.json'))
        # udev's by-name link: /dev/rbd/POOL[/NS]/IMAGE -> ../../rbdN
        link_dir = os.path.join('/dev/rbd', s['pool'], s['namespace']) if s['namespace'] else os.path.join('/dev/rbd', s['pool'])
        os.makedirs(link_dir, exist_ok=True)
        link = os.path.join(link_dir, s['image'])
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.relpath(device, link_dir), link)
    print(device)
    return 0


def mount_source_ids():
    ids = set()
    try:
        with open('/proc/self/mountinfo') as f:
            for line in f:
                fields = line.split()
                src = fields[fields.index('-') + 2]
                if src.startswith('/dev/rbd') and src[8:].isdigit():
                    ids.add(int(src[8:]))
    except (OSError, ValueError, IndexError):
        pass
    return ids


def holders(m):
    """Why the device is busy: mounts whose source is the device, processes with it open."""
    why = []
    try:
        with open('/proc/self/mountinfo') as f:
            for line in f:
                fields = line.split()
                sep = fields.index('-')
                if fields[sep + 2] == m['device']:
                    why.append(f'mounted on {fields[4]}')
    except (OSError, ValueError, IndexError):
        pass
    targets = {m['file'], m['device']}
    me = str(os.getpid())
    for p in os.listdir('/proc'):
        if not p.isdigit() or p == me:
            continue
        try:
            fds = os.listdir(f'/proc/{p}/fd')
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f'/proc/{p}/fd/{fd}') in targets:
                    why.append(f'open by pid {p}')
                    break
            except OSError:
                pass
    return why


def remove_links(m):
    try:
        if os.path.isfile(m['device']) or os.path.islink(m['device']):
            os.unlink(m['device'])
    except OSError:
        pass
    link_dir = os.path.join('/dev/rbd', m['pool'], m['namespace']) if m['namespace'] else os.path.join('/dev/rbd', m['pool'])
    link = os.path.join(link_dir, m['image'])
    try:
        if os.path.islink(link) and os.path.normpath(os.path.join(link_dir, os.readlink(link))) == m['device']:
            os.unlink(link)
            os.removedirs(link_dir)
    except OSError:
        pass


def cmd_unmap(pos, opts):
    options = str(opt(opts, '-o', '--options', default='') or '')
    force = 'force' in options.split(',')
    target = pos[0] if pos else None
    if target is None and opt(opts, '--image') is None:
        err('rbd: unmap requires either image name or device path')
        return 22
    with Lock():
        maps = mappings()
        if target is not None and target.startswith('/dev/'):
            m = next((x for x in maps if x['device'] == target), None)
            if m is None:
                err(f"rbd: '{target}' is not a block device")
                err('rbd: unmap failed: (22) Invalid argument')
                return 22
        else:
            s = image_spec(pos, opts, True)
            hits = [x for x in maps if (x['pool'], x['namespace'], x['image'], x['snap']) ==
                    (s['pool'], s['namespace'], s['image'], s['snap'])]
            if not hits:
                err(f'rbd: {spec_text(s)}: not a mapped image or snapshot')
                err('rbd: unmap failed: (22) Invalid argument')
                return 22
            m = hits[0]
            if len(hits) > 1:
                err(f'rbd: {spec_text(s)}: mapped more than once, unmapping {m["device"]} only')
        pid = m.get('pid') or find_pid(m['mountpoint'])
        if not force:
            if holders(m):
                err('rbd: sysfs write failed')
                err('rbd: unmap failed: (16) Device or resource busy')
                return 16
            r = subprocess.run(['umount', m['device']], capture_output=True, text=True)
            if r.returncode != 0 and 'not mounted' not in r.stderr:
                err('rbd: sysfs write failed')
                err('rbd: unmap failed: (16) Device or resource busy')
                return 16
            remove_links(m)
            r = subprocess.run(['fusermount', '-u', m['mountpoint']], capture_output=True, text=True)
            if r.returncode != 0:
                subprocess.run(['fusermount', '-uz', m['mountpoint']], capture_output=True)
        else:
            # like krbd's force unmap: the device goes away under its users (their I/O fails);
            # SIGTERM lets rbd-fuse close the image, so the watch goes at once
            subprocess.run(['umount', '-l', m['device']], capture_output=True)
            remove_links(m)
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
            if not wait_gone(pid, 5) and alive(pid):
                os.kill(pid, signal.SIGKILL)
            subprocess.run(['fusermount', '-uz', m['mountpoint']], capture_output=True)
        # the watch is dropped when rbd-fuse closes the image on its way out
        if alive(pid) and not wait_gone(pid, 10):
            os.kill(pid, signal.SIGKILL)
        try:
            os.unlink(os.path.join(DEVICES, f'{m["id"]}.json'))
            os.rmdir(m['mountpoint'])
        except OSError:
            pass
    return 0


def text_table(rows):
    """Ceph's TextTable: every cell left-aligned and padded to its column width, 2 spaces between."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ''.join('  '.join(c.ljust(w) for c, w in zip(r, widths)) + '\n' for r in rows)


def cmd_showmapped(pos, opts):
    dtype = opt(opts, '-t', '--device-type', default='krbd')
    if dtype != 'krbd':
        err(f'rbd: device type {dtype} is not simulated (fleetsweep rbd stand-in: krbd only)')
        return 95
    fmt = opt(opts, '--format', default='plain')
    maps = mappings()
    if fmt == 'json':
        doc = [{'id': m['id'], 'pool': m['pool'], 'namespace': m['namespace'], 'name': m['image'],
                'snap': m['snap'], 'device': m['device']} for m in maps]
        if '--pretty-format' in opts:
            sys.stdout.write(json.dumps(doc, indent=4) + '\n')
        else:
            sys.stdout.write(json.dumps(doc, separators=(',', ':')) + '\n')
        return 0
    if fmt != 'plain':
        err(f'rbd: --format chosen: {fmt} is not supported by the fleetsweep rbd stand-in (plain, json)')
        return 22
    if maps:
        rows = [['id', 'pool', 'namespace', 'image', 'snap', 'device']]
        rows += [[m['id'], m['pool'], m['namespace'], m['image'], m['snap'], m['device']] for m in maps]
        sys.stdout.write(text_table(rows))
    return 0


def main(argv):
    pos, opts = parse(argv)
    cmd = pos[0] if pos else None
    rest = pos[1:]
    if cmd == 'device' and rest:
        sub, rest = rest[0], rest[1:]
        cmd = {'map': 'map', 'unmap': 'unmap', 'list': 'showmapped', 'ls': 'showmapped'}.get(sub)
    if cmd == 'map':
        return cmd_map(rest, opts)
    if cmd == 'unmap':
        return cmd_unmap(rest, opts)
    if cmd == 'showmapped':
        return cmd_showmapped(rest, opts)
    real_rbd(argv)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(141)
