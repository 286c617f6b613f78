// The few file operations the writer needs, behind an interface so tests can inject failures (root ignores modes) and spy on fsync.
import { constants } from 'node:fs';
import { open, mkdir, rename, unlink, type FileHandle } from 'node:fs/promises';

/** An append-only file. `append` writes the whole buffer or throws. */
export interface JournalFile {
  append(data: Uint8Array): Promise<void>;
  /** fsync: resolves once the appended bytes are on stable storage */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Every directory is made 0700 and every file 0600 here, whatever the umask. */
export interface JournalFs {
  /** one directory level; EEXIST is an error unless `existOk` */
  mkdir(path: string, existOk: boolean): Promise<void>;
  /** creates a new file (fails if it exists) opened for appending */
  createAppend(path: string): Promise<JournalFile>;
  /** fsync a directory, so a newly created entry in it survives a power loss */
  syncDir(path: string): Promise<void>;
  /** write to a temporary name, fsync, rename over `path` */
  writeFileAtomic(path: string, data: string): Promise<void>;
}

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

class NodeFile implements JournalFile {
  constructor(private readonly fh: FileHandle) {}
  async append(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.fh.write(data, off, data.length - off, null);
      if (bytesWritten <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
      off += bytesWritten;
    }
  }
  sync(): Promise<void> {
    return this.fh.sync();
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

export const nodeJournalFs: JournalFs = {
  async mkdir(path, existOk) {
    try {
      await mkdir(path, { mode: DIR_MODE });
    } catch (err) {
      if (existOk && (err as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw err;
    }
  },
  async createAppend(path) {
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND, FILE_MODE);
    try {
      await fh.chmod(FILE_MODE);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new NodeFile(fh);
  },
  async syncDir(path) {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async writeFileAtomic(path, data) {
    const tmp = `${path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', FILE_MODE);
    try {
      await fh.chmod(FILE_MODE);
      await fh.writeFile(data);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    await rename(tmp, path);
  },
};
