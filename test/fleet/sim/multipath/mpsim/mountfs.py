# A stand-in for a filesystem mounted from a simulated device: an empty FUSE directory whose mount
# source is the device path (fsname) and whose type is fuse.ext4, so /proc/mounts, findmnt --source
# and lsblk see "SOURCE TARGET". tmpfs would do for /proc/mounts, but libmount treats tmpfs as a
# pseudo filesystem and never canonicalises its source, so `findmnt -S /dev/dm-N` would miss it.
import errno
import stat
import sys
import time

from fusepy import FUSE, FuseOSError, Operations


class Empty(Operations):
    def __init__(self):
        self.t = time.time()

    def getattr(self, path, fh=None):
        if path != '/':
            raise FuseOSError(errno.ENOENT)
        return {'st_mode': stat.S_IFDIR | 0o755, 'st_nlink': 2, 'st_uid': 0, 'st_gid': 0,
                'st_atime': self.t, 'st_mtime': self.t, 'st_ctime': self.t}

    def readdir(self, path, fh):
        return ['.', '..']

    def statfs(self, path):
        return {'f_bsize': 4096, 'f_frsize': 4096, 'f_blocks': 262144, 'f_bfree': 262144, 'f_bavail': 262144,
                'f_files': 65536, 'f_ffree': 65535, 'f_namemax': 255}


if __name__ == '__main__':
    source, target = sys.argv[1], sys.argv[2]
    FUSE(Empty(), target, foreground=True, allow_other=True, fsname=source, subtype='ext4', nothreads=True)
