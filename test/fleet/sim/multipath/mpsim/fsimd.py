# The per-node simulator daemon: serves the state as a FUSE tree (reads of dead devices fail with a
# real EIO, of queueing ones really block), counts open handles, keeps the /dev/sdX and /dev/dm-N
# symlinks in step, and answers the stand-in CLIs on a unix socket. The only writer of the state.
import errno
import json
import os
import socket
import stat
import sys
import threading
import time

from fusepy import FUSE, FuseOSError, Operations, fuse_get_context

from . import ops
from .model import SimError, copy_state, find_dm, find_map, io_of, lookup_dev, source_dev, use_of
from .spec import normalize
from .tree import build

MNT = '/run/fsim'
SOCK = '/run/fleetsweep-sim/multipath.sock'
STATE = '/var/lib/fleetsweep-sim/multipath/state.json'
POLL = 0.05
SIGKILL_BIT = 1 << 8


def _dying(pid):
    """True when the requesting task is gone or has a fatal signal pending. A task blocked in a
    FUSE read that the daemon already received cannot die until the read is answered, so a
    `kill -9` (or timeout's SIGTERM) of a hung dd is noticed here and answered with EINTR."""
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith(('SigPnd:', 'ShdPnd:')) and int(line.split()[1], 16) & SIGKILL_BIT:
                    return True
        return False
    except (FileNotFoundError, ProcessLookupError):
        return True


def _mount_sources():
    out = []
    with open('/proc/self/mounts') as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                dec = [p.encode().decode('unicode_escape') if '\\' in p else p for p in parts[:2]]
                out.append((dec[0], dec[1]))
    return out


class Sim:
    def __init__(self, state_path=STATE, dev_dir='/dev'):
        self.lock = threading.RLock()
        self.changed = threading.Condition()
        self.state_path, self.dev_dir = state_path, dev_dir
        self.handles, self.fh_dev, self.next_fh = {}, {}, 1
        self.t0 = time.time()
        st = normalize({})
        if os.path.exists(state_path):
            with open(state_path) as f:
                st = json.load(f)
        self._swap(st)

    def _swap(self, st):
        self.state, self.tree = st, build(st)
        os.makedirs(os.path.dirname(self.state_path), exist_ok=True)
        tmp = self.state_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(st, f, indent=1, sort_keys=True)
        os.replace(tmp, self.state_path)
        self._sync_dev()
        with self.changed:
            self.changed.notify_all()

    def _sync_dev(self):
        """/dev/sdX and /dev/dm-N are symlinks into the FUSE dev/ dir (a bind-mounted file would be a
        mount point, and `fuser` would then always report the device as used by the kernel)."""
        want = set(self.tree['/dev'][1])
        for name in os.listdir(self.dev_dir):
            p = os.path.join(self.dev_dir, name)
            if name not in want and os.path.islink(p) and os.readlink(p).startswith(MNT + '/dev/'):
                os.unlink(p)
        for name in want:
            p = os.path.join(self.dev_dir, name)
            if not os.path.lexists(p):
                os.symlink(f'{MNT}/dev/{name}', p)

    def mutate(self, fn):
        with self.lock:
            st = copy_state(self.state)
            result = fn(st)
            self._swap(st)
            return result

    @staticmethod
    def mounts(st):
        return [(source_dev(st, s), t) for s, t in _mount_sources()]

    def use_of_ref(self, st, ref):
        obj = find_map(st, ref) or find_dm(st, ref)
        return use_of(st, f'dm-{obj["dm"]}', self.handles, self.mounts(st)) if obj else {'open': 0}

    def snapshot(self):
        st = self.state
        devs, mounts = list(self.tree['/dev'][1]), self.mounts(st)
        return {'state': st, 'use': {d: use_of(st, d, self.handles, mounts) for d in devs},
                'io': {d: io_of(st, d) for d in devs}}

    # ---- socket requests from the stand-in CLIs ----
    def request(self, req):
        op = req.get('op')
        if op == 'get':
            return self.snapshot()
        if op == 'apply':
            new = normalize(req['spec'])

            def replace(st):
                st.clear()
                st.update(new)
            self.mutate(replace)
            return {}
        if op in ('flush', 'remove'):
            fn = ops.flush_map if op == 'flush' else ops.remove_dm
            return {'removed': self.mutate(lambda st: fn(st, req['ref'], self.use_of_ref(st, req['ref'])))}
        if op == 'queueing':
            self.mutate(lambda st: ops.set_queueing(st, req.get('ref'), bool(req['on'])))
            return {}
        if op == 'reload':
            created, reloaded = self.mutate(ops.reload_maps)
            return {'created': created, 'reloaded': reloaded}
        if op == 'delete':
            self.mutate(lambda st: ops.delete_disk(st, req['dev']))
            return {}
        if op == 'scan':
            return {'added': self.mutate(lambda st: ops.scan_host(st, req['host'], req['text']))}
        if op == 'ping':
            return {'pid': os.getpid()}
        raise SimError(f'unknown op {op!r}', 2)

    def serve(self, path=SOCK):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        os.chmod(path, 0o600)
        srv.listen(64)
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn):
        with conn, conn.makefile('rwb') as f:
            line = f.readline()
            try:
                resp = {'ok': True, **self.request(json.loads(line))}
            except SimError as e:
                resp = {'ok': False, 'error': str(e), 'code': e.code}
            except Exception as e:  # a bug: report it to the CLI instead of hanging it
                resp = {'ok': False, 'error': f'{type(e).__name__}: {e}', 'code': 70}
            f.write((json.dumps(resp) + '\n').encode())


class Fs(Operations):
    def __init__(self, sim):
        self.sim = sim

    def _node(self, path):
        node = self.sim.tree.get(path)
        if node is None:
            raise FuseOSError(errno.ENOENT)
        return node

    def getattr(self, path, fh=None):
        node = self._node(path)
        t = self.sim.t0
        base = {'st_uid': 0, 'st_gid': 0, 'st_atime': t, 'st_mtime': t, 'st_ctime': t, 'st_nlink': 1}
        if node[0] == 'd':
            return {**base, 'st_mode': stat.S_IFDIR | 0o755, 'st_nlink': 2, 'st_size': 0}
        if node[0] == 'l':
            return {**base, 'st_mode': stat.S_IFLNK | 0o777, 'st_size': len(node[1])}
        if node[0] == 'b':
            return {**base, 'st_mode': stat.S_IFREG | 0o660, 'st_gid': 6, 'st_size': node[2]}
        return {**base, 'st_mode': stat.S_IFREG | node[2], 'st_size': 4096}

    def readdir(self, path, fh):
        node = self._node(path)
        if node[0] != 'd':
            raise FuseOSError(errno.ENOTDIR)
        return ['.', '..'] + list(node[1])

    def readlink(self, path):
        return self._node(path)[1]

    def open(self, path, flags):
        node = self._node(path)
        acc = flags & os.O_ACCMODE
        if node[0] == 'f' and ((acc != os.O_RDONLY and not node[3]) or (acc != os.O_WRONLY and not node[2] & 0o444)):
            raise FuseOSError(errno.EACCES)
        if node[0] != 'b':
            return 0
        with self.sim.lock:
            fh, self.sim.next_fh = self.sim.next_fh, self.sim.next_fh + 1
            self.sim.fh_dev[fh] = node[1]
            self.sim.handles[node[1]] = self.sim.handles.get(node[1], 0) + 1
        return fh

    def release(self, path, fh):
        with self.sim.lock:
            dev = self.sim.fh_dev.pop(fh, None)
            if dev:
                self.sim.handles[dev] -= 1
                if self.sim.handles[dev] <= 0:
                    del self.sim.handles[dev]
        return 0

    def _device_io(self, fh):
        dev, pid = self.sim.fh_dev.get(fh), fuse_get_context()[2]
        while True:
            st = self.sim.state
            io = io_of(st, dev) if lookup_dev(st, dev)[0] else 'eio'
            if io != 'hang':
                if io == 'eio':
                    raise FuseOSError(errno.EIO)
                return lookup_dev(st, dev)[1]['size']
            if _dying(pid):
                raise FuseOSError(errno.EINTR)
            with self.sim.changed:
                self.sim.changed.wait(POLL)

    def read(self, path, size, offset, fh):
        node = self._node(path)
        if node[0] == 'b':
            total = self._device_io(fh)
            return b'\0' * max(0, min(size, total - offset))
        data = node[1].encode()
        return data[offset:offset + size]

    def write(self, path, data, offset, fh):
        node = self._node(path)
        if node[0] == 'b':
            self._device_io(fh)
            return len(data)
        kind, arg = node[3] or (None, None)
        text = data.decode(errors='replace')
        try:
            if kind == 'delete':
                self.sim.mutate(lambda st: ops.delete_disk(st, arg))
            elif kind == 'scan':
                self.sim.mutate(lambda st: ops.scan_host(st, arg, text))
            elif kind == 'state':
                self.sim.mutate(lambda st: ops.set_disk_state(st, arg, text.strip()))
            elif kind != 'rescan':
                raise FuseOSError(errno.EACCES)
        except SimError as e:
            raise FuseOSError(e.code if e.code > 2 else errno.ENODEV)
        return len(data)

    def truncate(self, path, length, fh=None):
        self._node(path)
        return 0


def main(argv):
    mnt = argv[1] if len(argv) > 1 else MNT
    sim = Sim()
    threading.Thread(target=sim.serve, daemon=True).start()
    FUSE(Fs(sim), mnt, foreground=True, allow_other=True, default_permissions=True, direct_io=True,
         entry_timeout=0, attr_timeout=0, negative_timeout=0, fsname='fleetsweep-sim', nothreads=False)


if __name__ == '__main__':
    main(sys.argv)
