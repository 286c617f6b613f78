// A lock on each host for the duration of a run, so two runs (or two controllers) never work on one host at once.
// mkdir is atomic on every POSIX file system; the owner file says who holds it and since when.
import { FleetError } from '../errors/fleet-error.js';
import { sh, raw, type ShellCommand } from '../template/index.js';
import type { HostLockOwner } from './types.js';

/** A host is held by another run; the runner reports the host as locked and leaves it alone. */
export class HostLockedError extends FleetError {
  constructor(message: string) {
    super('runner.hostLocked', message);
  }
}

const SAFE = /[^A-Za-z0-9._@:=+-]/g;

/** One line naming the owner; the run id leads so release can match it. */
export function ownerLine(o: HostLockOwner): string {
  return `${o.runId.replace(SAFE, '_')} ${o.user.replace(SAFE, '_')}@${o.controller.replace(SAFE, '_')} pid=${o.pid}`;
}

// /run/lock is the FHS place for lock files and is shared by all users (1777); /tmp where it is missing.
// FLEETSWEEP_LOCK_DIR exists for tests of this protocol; a node normally has no such variable.
const DIR = raw('d=${FLEETSWEEP_LOCK_DIR:-/run/lock}; { [ -d "$d" ] && [ -w "$d" ]; } || d=/tmp; l="$d/fleetsweep.lock"');

/**
 * Prints `fleetsweep-lock:acquired`, `fleetsweep-lock:stale-taken:<old owner>` (a lock older than its ttl,
 * or held by `takeoverFrom`, a run being resumed) or `fleetsweep-lock:held:<owner>:<epoch>` (exit 3).
 */
export function lockCommand(o: HostLockOwner, takeoverFrom?: string): ShellCommand {
  const line = ownerLine(o);
  const self = `${o.runId.replace(SAFE, '_')} `;
  const prev = takeoverFrom ? `${takeoverFrom.replace(SAFE, '_')} ` : '\n';
  // Several inventory hosts can be one machine (aliases, local connections): the lock is re-entrant for its run.
  // An owner file not written yet (another host of this run is between mkdir and printf) reads as empty: retry.
  return sh`${DIR}; now=$(date +%s)
if mkdir "$l" 2>/dev/null; then printf '%s\\n%s\\n' ${line} "$now" > "$l/owner"; echo fleetsweep-lock:acquired; exit 0; fi
i=0; while :; do o=$(sed -n 1p "$l/owner" 2>/dev/null); t=$(sed -n 2p "$l/owner" 2>/dev/null); { [ -n "$t" ] || [ "$i" -ge 20 ]; } && break; i=$((i + 1)); sleep 0.05; done
case "$o" in ${self}*) echo fleetsweep-lock:acquired; exit 0;; esac
case "$t" in ''|*[!0-9]*) t=$now;; esac
case "$o" in ${prev}*) t=0;; esac
if [ $((now - t)) -gt ${String(o.ttlSeconds)} ]; then
  rm -rf "$l" && mkdir "$l" 2>/dev/null && printf '%s\\n%s\\n' ${line} "$now" > "$l/owner" && { echo "fleetsweep-lock:stale-taken:$o"; exit 0; }
fi
echo "fleetsweep-lock:held:$o:$t"; exit 3`;
}

/** Removes the lock only if this run still owns it. */
export function unlockCommand(o: HostLockOwner): ShellCommand {
  return sh`${DIR}; o=$(sed -n 1p "$l/owner" 2>/dev/null)
if [ "$o" = ${ownerLine(o)} ]; then rm -rf "$l"; fi; true`;
}

/** Interprets the lock command's output; throws HostLockedError when another run holds the host. */
export function lockResult(stdout: string, rc: number | null): { takenFrom?: string } {
  const line = stdout.trim().split('\n').pop() ?? '';
  if (line === 'fleetsweep-lock:acquired') return {};
  const stale = /^fleetsweep-lock:stale-taken:(.*)$/.exec(line);
  if (stale) return { takenFrom: stale[1] || 'unknown owner' };
  const held = /^fleetsweep-lock:held:(.*):(\d+)$/.exec(line);
  if (held) {
    const since = new Date(Number(held[2]) * 1000).toISOString();
    throw new HostLockedError(`locked by another run: ${held[1] || 'an owner still writing its name'} since ${since}`);
  }
  throw new HostLockedError(`could not take the host lock (rc=${rc}): ${line.slice(0, 200)}`);
}
