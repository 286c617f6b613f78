// Where run journals live, and the checks that keep other users from reading or planting state there.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StateError } from '../errors/state-error.js';
import { DIR_MODE } from './fs-layer.js';

/**
 * The state directory: `--state-dir`, else $FLEETSWEEP_STATE_DIR, else $XDG_STATE_HOME/fleetsweep, else
 * ~/.local/state/fleetsweep. Creates it (and missing parents) 0700. Refuses (state.insecure) a directory
 * that is group/world-writable or owned by another user: whoever can write there can forge a journal and
 * steer a later rollback. An existing, merely readable directory is accepted (journal files are 0600).
 */
export function resolveStateDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = chooseStateDir(flag, env);
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw new StateError('state.dirUnusable', `cannot create state directory ${dir}: ${(err as Error).message}`, err);
  }
  // mkdir's mode passes through the umask; set it exactly on every directory this call created.
  if (created !== undefined) {
    try {
      for (let d = dir; ; d = resolve(d, '..')) {
        chmodSync(d, DIR_MODE);
        if (d === created || !isInside(d, created)) break;
      }
    } catch (err) {
      throw new StateError('state.dirUnusable', `cannot set mode 0700 on state directory ${dir}: ${(err as Error).message}`, err);
    }
  }
  checkStateDir(dir);
  return dir;
}

function chooseStateDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const own = env.FLEETSWEEP_STATE_DIR;
  if (own) return resolve(own);
  // XDG: a relative $XDG_STATE_HOME is invalid and must be ignored.
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'fleetsweep');
  return join(env.HOME || homedir(), '.local', 'state', 'fleetsweep');
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(sep);
}

/** Throws StateError unless `dir` is a directory owned by us and writable by nobody else. */
export function checkStateDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    throw new StateError('state.dirUnusable', `cannot use state directory ${dir}: ${(err as Error).message}`, err);
  }
  if (!st.isDirectory()) throw new StateError('state.dirUnusable', `state directory ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new StateError('state.insecure', `state directory ${dir} is owned by uid ${st.uid}, not by this user (uid ${uid})`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new StateError('state.insecure', `state directory ${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); run chmod 700 on it`);
  }
}
