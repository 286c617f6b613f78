// Runs one rendered command on a host through its reused connection, under a deadline, emitting events.
import type { CommandResult } from '../model/outcome.js';
import type { ShellCommand } from '../template/index.js';
import type { BecomeSpec } from '../transport/connection.js';
import { UnreachableError } from '../transport/connection.js';
import type { HostState } from './host-state.js';
import type { RunOptions } from './types.js';
import type { Connection, ConnectTarget } from '../transport/connection.js';
import { HostLockedError, lockCommand, lockResult, unlockCommand } from './host-lock.js';

export interface CommandSpec {
  cmd: ShellCommand;
  phase: string;
  timeoutMs: number;
  become?: BecomeSpec;
  env: Record<string, string>;
}

/**
 * Returns the command's result, or throws UnreachableError when the host cannot be reached
 * (the caller marks the host unreachable). A deadline is a result (timedOut), not an error.
 */
export async function runCommand(opts: RunOptions, state: HostState, target: () => ConnectTarget, spec: CommandSpec): Promise<CommandResult> {
  const conn = await state.connection(target, opts.connect);
  if (opts.hostLock && !state.lock) state.lock = takeLock(opts, state, conn);
  if (state.lock) await state.lock;
  opts.sink.emit({ type: 'command', host: state.name, command: spec.cmd.masked, phase: spec.phase });
  try {
    return await conn.exec(spec.cmd.text, {
      timeoutMs: spec.timeoutMs,
      signal: opts.hardStop,
      become: spec.become,
      env: spec.env,
    });
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    throw new UnreachableError('other', (err as Error).message, err);
  }
}

/** Takes the host lock once per run, before the host's first command; a held lock fails the host (HostLockedError). */
async function takeLock(opts: RunOptions, state: HostState, conn: Connection): Promise<void> {
  const owner = opts.hostLock!;
  const r = await conn.exec(lockCommand(owner, opts.resumeOf).text, { timeoutMs: LOCK_TIMEOUT_MS });
  if (r.timedOut) throw new HostLockedError('taking the host lock did not finish in time');
  const { takenFrom } = lockResult(r.stdout, r.rc);
  state.release = async () => { await conn.exec(unlockCommand(owner).text, { timeoutMs: LOCK_TIMEOUT_MS }); };
  if (takenFrom) opts.sink.emit({ type: 'warning', host: state.name, message: `took over a stale host lock from ${takenFrom}` });
}

const LOCK_TIMEOUT_MS = 10_000;

/** The object `register:` stores, shaped like Ansible's command result. */
export function registered(r: CommandResult, cmd: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rc: r.rc,
    // as Ansible: registered output loses its trailing newline(s); reports keep the raw bytes
    stdout: r.stdout.replace(/[\r\n]+$/, ''),
    stderr: r.stderr.replace(/[\r\n]+$/, ''),
    stdout_lines: lines(r.stdout),
    stderr_lines: lines(r.stderr),
    cmd,
    delta_ms: r.durationMs,
    timed_out: r.timedOut,
    truncated: r.truncated,
    ...extra,
  };
}

function lines(s: string): string[] {
  if (s === '') return [];
  const out = s.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}
