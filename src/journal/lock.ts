// Controller-side run lock (for `sweep`): a file created with O_EXCL, taken over only when its owner is provably dead.
import { constants } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { ExitCode } from '../errors/exit-codes.js';
import { FleetError } from '../errors/fleet-error.js';
import { StateError } from '../errors/state-error.js';
import { FILE_MODE } from './fs-layer.js';
import { pidAlive } from './reader.js';

export interface LockOwner {
  runId: string;
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
  /** the dead owner whose stale lock was taken over; journal it (writer.note) */
  readonly tookOverFrom?: LockOwner;
  /** removes the lock file if it is still ours; safe to call twice */
  release(): Promise<void>;
}

interface LockFile extends LockOwner {
  tookOverFrom?: LockOwner;
}

/** A lock file that does not parse is left alone this long: its writer may be between create and write. */
const UNREADABLE_GRACE_MS = 10_000;
/** A takeover guard older than this belongs to a process that died mid-takeover. */
const GUARD_STALE_MS = 30_000;

/**
 * Takes the lock at `path` or throws FleetError state.locked (exit 7) naming the holder. A lock whose owner
 * ran on this host under a pid that no longer exists is stale and is taken over; the returned lock says
 * whom it replaced. A holder on another host is never presumed dead. Two processes racing to take over the
 * same stale lock are serialized by a `<path>.takeover` guard file, and each re-reads the lock under it.
 */
export async function acquireLock(path: string, owner: LockOwner): Promise<Lock> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await create(path, owner)) return lockHandle(path, owner);
    const seen = await readLock(path);
    if (seen === 'gone') continue;
    if (seen === 'unreadable') {
      if (await ageMs(path) < UNREADABLE_GRACE_MS) throw locked(path, 'a lock file that is being written');
    } else if (!isStale(seen)) {
      throw locked(path, describe(seen));
    }
    const guard = `${path}.takeover`;
    if (!(await create(guard, owner))) {
      if (await ageMs(guard) > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
      else throw locked(path, 'another process taking over a stale lock');
      continue;
    }
    try {
      const again = await readLock(path);
      if (again !== 'gone' && JSON.stringify(again) !== JSON.stringify(seen)) continue;
      await unlink(path).catch(ignoreEnoent);
      const prev = seen === 'unreadable' ? undefined : stripTakeover(seen);
      if (await create(path, owner, prev)) return lockHandle(path, owner, prev);
    } finally {
      await unlink(guard).catch(() => undefined);
    }
  }
  throw locked(path, 'a lock that keeps changing hands');
}

function isStale(l: LockFile): boolean {
  return l.hostname === osHostname() && !pidAlive(l.pid);
}

async function create(path: string, owner: LockOwner, tookOverFrom?: LockOwner): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateError('state.lockWrite', `cannot create lock ${path}: ${(err as Error).message}`, err);
  }
  try {
    const body: LockFile = { ...owner, ...(tookOverFrom ? { tookOverFrom } : {}) };
    await fh.writeFile(JSON.stringify(body) + '\n');
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw new StateError('state.lockWrite', `cannot write lock ${path}: ${(err as Error).message}`, err);
  }
  await fh.close();
  return true;
}

/** The current lock file's content; 'gone' when it disappeared meanwhile. */
export async function readLock(path: string): Promise<LockFile | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw new StateError('state.lockRead', `cannot read lock ${path}: ${(err as Error).message}`, err);
  }
  try {
    const v = JSON.parse(text) as LockFile;
    return typeof v.pid === 'number' && typeof v.hostname === 'string' ? v : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function lockHandle(path: string, owner: LockOwner, tookOverFrom?: LockOwner): Lock {
  let released = false;
  return {
    path, owner, ...(tookOverFrom ? { tookOverFrom } : {}),
    async release() {
      if (released) return;
      released = true;
      const cur = await readLock(path);
      // never delete a lock someone else holds now (ours was taken over after we were presumed dead)
      if (cur !== 'gone' && cur !== 'unreadable' && cur.pid === owner.pid && cur.hostname === owner.hostname && cur.runId === owner.runId) {
        await unlink(path).catch(ignoreEnoent);
      }
    },
  };
}

function stripTakeover(l: LockFile): LockOwner {
  return { runId: l.runId, pid: l.pid, hostname: l.hostname, startedAt: l.startedAt };
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Infinity;
  }
}

function ignoreEnoent(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

function describe(l: LockOwner): string {
  return `run ${l.runId} (pid ${l.pid} on ${l.hostname}, since ${l.startedAt})`;
}

function locked(path: string, holder: string): FleetError {
  return new FleetError('state.locked', `${path} is held by ${holder}`, { exitCode: ExitCode.LOCKED });
}
